using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace Platform.Identity.Clients;

/// <summary>OpenIddict's application manager with Platform's secret hashing (<see cref="ClientSecrets"/>).</summary>
public sealed class ClientManager(
    IOpenIddictApplicationCache<Client> cache,
    ILogger<OpenIddictApplicationManager<Client>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<Client> store)
    : OpenIddictApplicationManager<Client>(cache, logger, options, store)
{
    protected override ValueTask<string> ObfuscateClientSecretAsync(string secret, CancellationToken cancellationToken = default) =>
        new(ClientSecrets.Hash(secret));

    protected override ValueTask<bool> ValidateClientSecretAsync(string secret, string comparand, CancellationToken cancellationToken = default) =>
        new(ClientSecrets.Verify(secret, comparand));

    /// <summary>
    /// The current secret, or the previous one while a rotation's overlap lasts (<see cref="Client.PreviousSecretValidUntil"/>,
    /// set from the rotation event, so no later event is needed to end it).
    /// </summary>
    public override async ValueTask<bool> ValidateClientSecretAsync(Client application, string secret, CancellationToken cancellationToken = default)
    {
        if (await base.ValidateClientSecretAsync(application, secret, cancellationToken))
        {
            return true;
        }

        var now = (Options.CurrentValue.TimeProvider ?? TimeProvider.System).GetUtcNow();
        return ClientSecrets.VerifyPrevious(secret, application, now);
    }
}
