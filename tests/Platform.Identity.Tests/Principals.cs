using System.Security.Claims;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Tests;

/// <summary>Claims principals shaped like the ones OpenIddict's server hands the token manager.</summary>
internal static class Principals
{
    public static ClaimsPrincipal For(string subject, string clientId, string[] scopes, string[] audiences)
    {
        var identity = new ClaimsIdentity("test", Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject);
        var principal = new ClaimsPrincipal(identity)
            .SetScopes(scopes)
            .SetAudiences(audiences)
            .SetPresenters(clientId);
        return principal;
    }
}
