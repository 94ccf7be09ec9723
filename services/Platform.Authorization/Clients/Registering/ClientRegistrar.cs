using OpenIddict.Abstractions;
using Platform.Identity.Clients;

namespace Platform.Authorization.Clients.Registering;

/// <summary>Registers clients through OpenIddict's manager; the Marten store records <c>ClientRegistered</c>.</summary>
public sealed class ClientRegistrar(IOpenIddictApplicationManager applications)
{
    /// <param name="secret">The operator's secret (a seed file), or null to generate one for a confidential client.</param>
    public async Task<RegistrationOutcome> RegisterAsync(RegisterClient request, string? secret, CancellationToken cancellationToken)
    {
        var decision = ClientRegistration.Decide(request, secret ?? ClientSecrets.Generate(), secretFromOperator: secret is not null);
        if (decision.Rejected is { } rejected)
        {
            return new RegistrationOutcome(null, null, rejected, Conflict: false);
        }

        var descriptor = decision.Descriptor!;
        if (await applications.FindByClientIdAsync(descriptor.ClientId!, cancellationToken) is not null)
        {
            return new RegistrationOutcome(descriptor.ClientId, null, null, Conflict: true);
        }

        // The descriptor's secret is read before the manager hashes it into the store.
        var issuedSecret = descriptor.ClientSecret;
        await applications.CreateAsync(descriptor, cancellationToken);
        return new RegistrationOutcome(descriptor.ClientId, issuedSecret, null, Conflict: false);
    }
}

/// <param name="ClientSecret">The secret to show once; null for a public client, which has none.</param>
public sealed record RegistrationOutcome(string? ClientId, string? ClientSecret, RegistrationRejected? Rejected, bool Conflict);
