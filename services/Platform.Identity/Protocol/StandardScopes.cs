using OidcClaims = OpenIddict.Abstractions.OpenIddictConstants.Claims;
using OidcScopes = OpenIddict.Abstractions.OpenIddictConstants.Scopes;

namespace Platform.Identity.Protocol;

/// <summary>The OpenID Connect scopes Platform understands and the user claims each one releases (OIDC Core §5.4).</summary>
public static class StandardScopes
{
    public static IReadOnlyDictionary<string, string[]> ClaimsByScope { get; } = new Dictionary<string, string[]>
    {
        [OidcScopes.OpenId] = [OidcClaims.Subject],
        [OidcScopes.Profile] = [OidcClaims.Name, OidcClaims.PreferredUsername],
        [OidcScopes.Email] = [OidcClaims.Email, OidcClaims.EmailVerified],
        [OidcScopes.OfflineAccess] = [],
    };

    public static IEnumerable<string> All => ClaimsByScope.Keys;

    public static IEnumerable<string> Claims => ClaimsByScope.Values.SelectMany(claims => claims).Distinct();
}
