using System.Security.Claims;
using Platform.Identity.Protocol;
using Platform.Identity.Sessions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Token.Tokens.Issuing;

/// <summary>
/// Which tokens a user claim goes into. Every claim goes into the access token (introspection and JWT access
/// tokens report it to the resource server); a claim a scope releases (OIDC Core §5.4: <c>name</c> under
/// <c>profile</c>, <c>email</c> under <c>email</c>) also goes into the id token when that scope was granted.
/// OpenIddict's own claims (<c>oi_*</c>) keep the destinations OpenIddict gives them.
/// </summary>
public static class ClaimDestinations
{
    // Claims about the sign-in itself, which the id token carries whatever the scopes (OIDC Core §2; sid: OIDC
    // Front-Channel Logout §3, for RP-initiated and front-channel logout).
    private static readonly HashSet<string> AboutTheSignIn = new(StringComparer.Ordinal)
    {
        Claims.AuthenticationTime, Claims.AuthenticationContextReference, Claims.AuthenticationMethodReference, SignInSession.Claims.SessionId,
    };

    public static IEnumerable<string> For(Claim claim, IReadOnlySet<string> grantedScopes)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(grantedScopes);

        if (claim.Type.StartsWith("oi_", StringComparison.Ordinal))
        {
            yield break;
        }

        yield return Destinations.AccessToken;

        if (claim.Type == Claims.Subject || AboutTheSignIn.Contains(claim.Type)
            || grantedScopes.Any(scope => StandardScopes.ClaimsByScope.TryGetValue(scope, out var released) && released.Contains(claim.Type)))
        {
            yield return Destinations.IdentityToken;
        }
    }
}
