using System.Security.Claims;

namespace Platform.ResourceServer.Introspection;

/// <summary>What the API concluded about a presented token.</summary>
internal abstract record TokenVerdict
{
    /// <summary>The token is good: these are its claims, until <paramref name="ExpiresAt"/>.</summary>
    public sealed record Accepted(ClaimsIdentity Identity, string? TokenId, DateTimeOffset? ExpiresAt) : TokenVerdict;

    /// <summary>The token is not good; <paramref name="Description"/> says why as far as the API can know.</summary>
    public sealed record Rejected(string Description) : TokenVerdict;

    /// <summary>
    /// The authorization server could not be asked or gave no usable answer: the token may be fine, so the request
    /// gets <c>503</c>, never <c>401</c>. <paramref name="Reason"/> is for the log (it never holds the token).
    /// </summary>
    public sealed record Unavailable(string Reason, TimeSpan? RetryAfter) : TokenVerdict;

    public static Rejected Inactive { get; } = new("The access token is not active (expired, revoked or unknown).");

    public static Rejected Expired(DateTimeOffset at) => new($"The access token expired at {at.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}.");

    public static Rejected Revoked { get; } = new("The access token was revoked.");
}
