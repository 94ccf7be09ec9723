using System.ComponentModel.DataAnnotations;
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
    /// <summary>
    /// OpenIddict's validation, without its look-up of the reference id for a token whose id was just drawn as
    /// 256 random bits (<see cref="Token.RandomReferenceId"/>): that look-up is a round trip per token and cannot
    /// find anything, and uniqueness is the unique index's job (<c>ux_token_reference_id</c>), which also holds for
    /// two writers racing, which a look-up before the insert never did. Other tokens (user codes, imports) keep the look-up.
    /// </summary>
    public override IAsyncEnumerable<ValidationResult> ValidateAsync(Token token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.RandomReferenceId ? ValidateFreshAsync(token) : base.ValidateAsync(token, cancellationToken);
    }

    private static async IAsyncEnumerable<ValidationResult> ValidateFreshAsync(Token token)
    {
        await Task.CompletedTask;
        if (string.IsNullOrEmpty(token.Type))
        {
            yield return new ValidationResult(OpenIddictResources.GetResourceString(OpenIddictResources.ID2117));
        }

        if (string.IsNullOrEmpty(token.Status))
        {
            yield return new ValidationResult(OpenIddictResources.GetResourceString(OpenIddictResources.ID2038));
        }
    }

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
