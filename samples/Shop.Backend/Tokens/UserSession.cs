using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Shop.Backend.Tokens;

/// <summary>
/// A signed-in user's session as the server keeps it (see <see cref="Sessions.EncryptedTicketStore"/>): who
/// the user is and the tokens the OpenID Connect handler saved. Tokens never leave the server.
/// </summary>
public sealed class UserSession(ClaimsPrincipal user, AuthenticationProperties properties)
{
    /// <summary>The claim naming the session, for its activity log (set at sign-in).</summary>
    public const string IdClaim = "shop_session";

    /// <summary>The scope Platform granted, as the token endpoint answered it.</summary>
    public const string GrantedScopeItem = "shop.granted_scope";

    public ClaimsPrincipal User { get; } = user;
    public AuthenticationProperties Properties { get; } = properties;

    public string Id => User.FindFirstValue(IdClaim) ?? "unknown";
    public string UserName => User.FindFirstValue("preferred_username") ?? User.FindFirstValue("name") ?? User.FindFirstValue("sub") ?? "?";
    public string? AccessToken => Properties.GetTokenValue("access_token");
    public string? RefreshToken => Properties.GetTokenValue("refresh_token");
    public string? GrantedScope => Properties.Items.TryGetValue(GrantedScopeItem, out var scope) ? scope : null;

    public DateTimeOffset? AccessTokenExpiresAt =>
        DateTimeOffset.TryParse(Properties.GetTokenValue("expires_at"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;

    public static async Task<UserSession?> LoadAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return result.Succeeded ? new UserSession(result.Principal, result.Properties) : null;
    }

    /// <summary>Keeps the new tokens of a refresh in the server-side session (the cookie keeps its key).</summary>
    public async Task SaveTokensAsync(HttpContext http, string accessToken, string? refreshToken, DateTimeOffset expiresAt, string? scope)
    {
        Properties.UpdateTokenValue("access_token", accessToken);
        if (refreshToken is not null)
        {
            Properties.UpdateTokenValue("refresh_token", refreshToken);
        }

        Properties.UpdateTokenValue("expires_at", expiresAt.ToString("o", CultureInfo.InvariantCulture));
        if (scope is not null)
        {
            Properties.Items[GrantedScopeItem] = scope;
        }

        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, User, Properties);
    }

    /// <summary>Ends the session: its server-side entry is deleted and the cookie cleared.</summary>
    public static Task EndAsync(HttpContext http) => http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
}
