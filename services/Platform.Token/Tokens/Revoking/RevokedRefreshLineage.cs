using OpenIddict.Abstractions;
using OpenIddict.Server;
using Platform.Contracts.Events;
using Platform.Identity.Tokens;
using static OpenIddict.Server.OpenIddictServerEvents;
using static OpenIddict.Server.OpenIddictServerHandlerFilters;
using Statuses = OpenIddict.Abstractions.OpenIddictConstants.Statuses;
using TokenTypes = OpenIddict.Abstractions.OpenIddictConstants.TokenTypeIdentifiers;

namespace Platform.Token.Tokens.Revoking;

/// <summary>
/// A refresh token revoked at the revocation endpoint takes the tokens of its sign-in with it (RFC 7009 §2.1: the
/// server SHOULD also invalidate the access tokens based on the same grant). OpenIddict revokes the one token
/// presented; this handler then revokes every still-valid token of its lineage: up the chain of
/// <c>TokenIssued.ParentTokenId</c> to the authorization code or first refresh token, and down from there, so the
/// access tokens issued at every rotation and any newer refresh token go too (<c>refresh_revoked</c>). Other
/// sign-ins of the same user at the same client share the grant but not the lineage, and keep working; redeemed
/// tokens keep their status, so presenting one again is still caught as a replay.
/// </summary>
public sealed class RevokedRefreshLineage(IOpenIddictTokenManager tokens) : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .AddFilter<RequireDegradedModeDisabled>()
            .UseScopedHandler<RevokedRefreshLineage>()
            // Once OpenIddict revoked the presented token (and only if it did: a rejected request stops before).
            .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order + 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public async ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // The token's principal names its grant: no need to load the entry OpenIddict has just revoked.
        if (context.GenericTokenPrincipal is not { } principal || principal.GetTokenType() != TokenTypes.RefreshToken
            || principal.GetTokenId() is not { Length: > 0 } revokedId
            || principal.GetAuthorizationId() is not { Length: > 0 } grantId)
        {
            return;
        }

        // A lineage never leaves its grant: read the grant's tokens once (indexed by authorization id), walk in memory.
        var ofGrant = new Dictionary<string, Identity.Tokens.Token>(StringComparer.Ordinal);
        await foreach (var token in tokens.FindByAuthorizationIdAsync(grantId))
        {
            if (token is Identity.Tokens.Token { Id: { } id } entry)
            {
                ofGrant[id] = entry;
            }
        }

        using (RevocationReason.Use(RevocationReasons.RefreshRevoked))
        {
            foreach (var token in Lineage.Of(revokedId, ofGrant).Where(token => token.Status == Statuses.Valid))
            {
                // Lost races (a concurrent rotation or revocation) are harmless: the token is no longer valid either way.
                await tokens.TryRevokeAsync(token);
            }
        }
    }
}
