using System.Net.Http.Headers;
using Platform.Contracts.Events;
using Platform.Projection.Introspection;

namespace Platform.Projection.Audit;

/// <summary>
/// The audit API's callers present a bearer access token (RFC 6750) with the <c>platform.audit</c> scope. The
/// projection runs no OpenIddict server, so the token is checked by introspection's own lookup (<see cref="TokenLookup"/>:
/// the reference hash against the projection's views, or the writers' documents when the replica is not fresh)
/// and its rule for active (not expired, not revoked, grant, client and user still enabled).
/// </summary>
public static class AuditCaller
{
    public const string Scope = "platform.audit";

    /// <summary>Null when the caller may read the audit trail, else the RFC 6750 answer.</summary>
    public static Task<IResult?> RefusalAsync(HttpRequest request, TokenLookup lookup, TimeProvider time, CancellationToken cancellationToken) =>
        RefusalAsync(request, lookup, time, Scope, cancellationToken);

    /// <summary>The same check for another scope (<c>platform.admin</c> for the projection's administration).</summary>
    public static async Task<IResult?> RefusalAsync(HttpRequest request, TokenLookup lookup, TimeProvider time, string scope, CancellationToken cancellationToken)
    {
        var header = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            // RFC 6750 §3.1: a request with no credentials gets the challenge without an error code.
            return new Challenge(StatusCodes.Status401Unauthorized, "Bearer realm=\"Platform\"", "invalid_token",
                $"The request must carry a bearer access token with the {scope} scope.");
        }

        if (!AuthenticationHeaderValue.TryParse(header, out var value) || !value.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrWhiteSpace(value.Parameter))
        {
            return InvalidToken("The Authorization header must carry a bearer access token.");
        }

        var facts = await lookup.FindAsync(value.Parameter, cancellationToken);
        if (facts is null || !facts.IsActive(time.GetUtcNow()) || facts.Token.Kind != TokenKinds.AccessToken)
        {
            return InvalidToken("The access token is unknown, expired or revoked.");
        }

        if (!facts.Token.Scopes.Contains(scope))
        {
            return new Challenge(StatusCodes.Status403Forbidden,
                $"Bearer realm=\"Platform\", error=\"insufficient_scope\", scope=\"{scope}\"", "insufficient_scope",
                $"The access token lacks the {scope} scope.");
        }

        return null;
    }

    private static Challenge InvalidToken(string description) =>
        new(StatusCodes.Status401Unauthorized, "Bearer realm=\"Platform\", error=\"invalid_token\"", "invalid_token", description);

    private sealed class Challenge(int status, string challenge, string error, string description) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = challenge;
            return OAuthError.Result(status, error, description).ExecuteAsync(httpContext);
        }
    }
}
