using OpenIddict.Abstractions;
using Platform.Identity.Clients;

namespace Platform.Authorization.Clients.Registering;

/// <summary>Registers clients through OpenIddict's manager; the Marten store records <c>ClientRegistered</c>.</summary>
public sealed class ClientRegistrar(IOpenIddictApplicationManager applications)
{
    public async Task<RegistrationOutcome> RegisterAsync(RegisterClient request, string? secret, CancellationToken cancellationToken)
    {
        secret ??= ClientSecrets.Generate();
        var decision = ClientRegistration.Decide(request, secret);
        if (decision.Rejected is { } rejected)
        {
            return new RegistrationOutcome(null, null, rejected, Conflict: false);
        }

        var descriptor = decision.Descriptor!;
        if (await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken) is not null)
        {
            return new RegistrationOutcome(descriptor.ClientId, null, null, Conflict: true);
        }

        await applications.CreateAsync(descriptor, cancellationToken);
        return new RegistrationOutcome(descriptor.ClientId, secret, null, Conflict: false);
    }
}

public sealed record RegistrationOutcome(string? ClientId, string? ClientSecret, RegistrationRejected? Rejected, bool Conflict);
