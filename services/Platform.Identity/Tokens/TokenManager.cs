using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Tokens;

/// <summary>
/// OpenIddict's token manager, plus what the store cannot see: the store never receives the claims principal,
/// so the scopes, audiences, presenters and client id are copied from it here, and <c>TokenIssued</c> carries
/// them (the projection service answers introspection from them without decrypting anything).
/// </summary>
public sealed class TokenManager(
    IOpenIddictTokenCache<Token> cache,
    ILogger<OpenIddictTokenManager<Token>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictTokenStore<Token> store)
    : OpenIddictTokenManager<Token>(cache, logger, options, store)
{
    public override async ValueTask PopulateAsync(Token token, OpenIddictTokenDescriptor descriptor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(descriptor);

        await base.PopulateAsync(token, descriptor, cancellationToken);

        if (descriptor.Principal is not { } principal)
        {
            return;
        }

        var presenters = principal.GetPresenters();
        token.Scopes = [.. principal.GetScopes()];
        token.Audiences = [.. principal.GetAudiences()];
        token.Presenters = [.. presenters];
        token.ClientId = principal.GetClaim(Claims.ClientId)
            ?? principal.GetClaim(Claims.AuthorizedParty)
            ?? (presenters.IsDefaultOrEmpty ? null : presenters[0])
            ?? token.ClientId;
    }
}
