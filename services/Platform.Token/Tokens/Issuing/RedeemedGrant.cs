using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Token.Tokens.Issuing;

/// <summary>
/// A user's grant presented again as an authorization code or a refresh token (RFC 6749 §4.1.3, §6), after
/// OpenIddict checked it (PKCE, client, redirect URI, expiry, replay): the new tokens say what the grant says,
/// with the same scopes, resources, grant id and claims, and each claim goes where <see cref="ClaimDestinations"/> says.
/// </summary>
public static class RedeemedGrant
{
    public static ClaimsPrincipal Renew(ClaimsPrincipal redeemed)
    {
        ArgumentNullException.ThrowIfNull(redeemed);

        // The claims as they are, OpenIddict's own (grant id, scopes, resources, nonce, lifetimes) included.
        var identity = new ClaimsIdentity(redeemed.Claims, TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        var scopes = identity.GetScopes().ToHashSet(StringComparer.Ordinal);
        identity.SetDestinations(claim => ClaimDestinations.For(claim, scopes));
        return new ClaimsPrincipal(identity);
    }
}
