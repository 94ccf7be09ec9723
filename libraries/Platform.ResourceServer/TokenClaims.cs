using System.Security.Claims;

namespace Platform.ResourceServer;

/// <summary>
/// The claim types of an authenticated request, named after the introspection answer's members (RFC 7662 §2.2).
/// Each granted scope is a claim of its own.
/// </summary>
public static class TokenClaims
{
    /// <summary>The subject (<c>sub</c>): the user, or the client itself for client credentials.</summary>
    public const string Subject = "sub";

    /// <summary>The client the token was issued to (<c>client_id</c>).</summary>
    public const string ClientId = "client_id";

    /// <summary>The user's name (<c>username</c>), when the token is a user's.</summary>
    public const string UserName = "username";

    /// <summary>The name of the principal: the user name, else the subject.</summary>
    public const string Name = "name";

    /// <summary>Role claims, which introspection does not give; here for <see cref="ClaimsIdentity.RoleClaimType"/>.</summary>
    public const string Role = "role";

    /// <summary>One granted scope per claim (<c>scope</c>).</summary>
    public const string Scope = "scope";

    /// <summary>An audience of the token (<c>aud</c>), one per claim.</summary>
    public const string Audience = "aud";

    /// <summary>The token's identifier (<c>jti</c>); Platform's audit API knows the token by it. Not a credential.</summary>
    public const string TokenId = "jti";

    /// <summary>The issuer (<c>iss</c>).</summary>
    public const string Issuer = "iss";

    /// <summary>The expiry, in seconds since the Unix epoch (<c>exp</c>).</summary>
    public const string ExpiresAt = "exp";

    /// <summary>Whether the request's token was granted <paramref name="scope"/>.</summary>
    /// <param name="user">The request's user.</param>
    /// <param name="scope">A scope, such as <c>documents.read</c>.</param>
    public static bool HasScope(this ClaimsPrincipal user, string scope) =>
        user.GetScopes().Contains(scope, StringComparer.Ordinal);

    /// <summary>The scopes granted to the request's token (space-separated claim values are split).</summary>
    /// <param name="user">The request's user.</param>
    public static IEnumerable<string> GetScopes(this ClaimsPrincipal user) =>
        user.FindAll(Scope).SelectMany(claim => claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The subject (<c>sub</c>) of the request's token, or null.</summary>
    /// <param name="user">The request's user.</param>
    public static string? GetSubject(this ClaimsPrincipal user) => user.FindFirst(Subject)?.Value;

    /// <summary>The client (<c>client_id</c>) of the request's token, or null.</summary>
    /// <param name="user">The request's user.</param>
    public static string? GetClientId(this ClaimsPrincipal user) => user.FindFirst(ClientId)?.Value;
}
