using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.ResourceServer.Introspection;
using Platform.ResourceServer.Metadata;

namespace Platform.ResourceServer.Authentication;

/// <summary>
/// Authenticates a request by its bearer token, checked by introspection, and answers as RFC 6750 says: <c>401</c>
/// for a token problem (missing: no error code; malformed, expired, revoked, unknown: <c>invalid_token</c>),
/// <c>403 insufficient_scope</c> for a permission problem, and <c>503</c> with <c>Retry-After</c> when the
/// authorization server cannot be asked (the token may be fine: the client must not throw it away).
/// </summary>
internal sealed class IntrospectionHandler(
    IOptionsMonitor<ResourceServerOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TokenChecker checker)
    : AuthenticationHandler<ResourceServerOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedToken.Read(Request);
        if (presented is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (presented.Malformed is { } malformed)
        {
            return AuthenticateResult.Fail(new InvalidTokenException(malformed));
        }

        var verdict = await checker.CheckAsync(presented.Token!, Options, Scheme.Name);
        return verdict switch
        {
            TokenVerdict.Accepted accepted => AuthenticateResult.Success(new AuthenticationTicket(
                new ClaimsPrincipal(accepted.Identity.Clone()),
                new AuthenticationProperties { ExpiresUtc = accepted.ExpiresAt },
                Scheme.Name)),
            TokenVerdict.Rejected rejected => AuthenticateResult.Fail(new InvalidTokenException(rejected.Description)),
            TokenVerdict.Unavailable unavailable => AuthenticateResult.Fail(new IntrospectionUnavailableException(unavailable.RetryAfter)),
            _ => throw new InvalidOperationException($"Unknown verdict {verdict.GetType().Name}."),
        };
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.Headers.CacheControl = "no-store";
        // Anything but a verdict on the token (the server unreachable, or an unexpected fault while asking it) is not
        // the token's fault: 503, so that the client keeps its token and retries.
        if (result.Failure is { } failure and not InvalidTokenException)
        {
            if (failure is not IntrospectionUnavailableException)
            {
                Logger.LogError(failure, "The access token could not be checked.");
            }

            var suggested = (failure as IntrospectionUnavailableException)?.RetryAfter;
            var retryAfter = suggested > Options.RetryAfter ? suggested.Value : Options.RetryAfter;
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            await WriteErrorAsync("temporarily_unavailable",
                "The authorization server cannot be asked about the access token right now. The token was not rejected: retry the request later with the same token.");
            return;
        }

        var description = (result.Failure as InvalidTokenException)?.Message;
        var error = description is null ? null : "invalid_token";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(HeaderNames.WWWAuthenticate,
            BearerChallenge.Format(Options.Realm, error, description, scope: null, ResourceIdentity.Of(Request, Options).MetadataUrl));
        if (error is not null)
        {
            await WriteErrorAsync(error, description!);
        }
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        Response.Headers.CacheControl = "no-store";
        if (properties.Items.TryGetValue(ResourceServerDefaults.RequiredScopeItem, out var scope) && !string.IsNullOrEmpty(scope))
        {
            var description = $"The access token lacks the scope this request needs: {scope}.";
            Response.Headers.Append(HeaderNames.WWWAuthenticate,
                BearerChallenge.Format(Options.Realm, "insufficient_scope", description, scope, ResourceIdentity.Of(Request, Options).MetadataUrl));
            await WriteErrorAsync("insufficient_scope", description, scope);
        }
    }

    private Task WriteErrorAsync(string error, string description, string? scope = null)
    {
        var body = new Dictionary<string, string> { ["error"] = error, ["error_description"] = description };
        if (scope is not null)
        {
            body["scope"] = scope;
        }

        Response.ContentType = "application/json";
        return Response.WriteAsync(JsonSerializer.Serialize(body), Context.RequestAborted);
    }
}

/// <summary>Why a presented token was refused; its message is the <c>error_description</c> (never the token).</summary>
internal sealed class InvalidTokenException(string description) : Exception(description);

/// <summary>The authorization server could not be asked; the request gets <c>503</c>.</summary>
internal sealed class IntrospectionUnavailableException(TimeSpan? retryAfter)
    : Exception("The authorization server could not be asked about the access token.")
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
