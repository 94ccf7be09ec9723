using Marten;
using Microsoft.Extensions.Primitives;
using Platform.Contracts.Events;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Introspection;

/// <summary>
/// RFC 7662 token introspection (<see cref="TokenLookup"/> says where the answer comes from). A token that is
/// unknown, expired, revoked, cascaded (grant revoked, client or user disabled), or that the caller may not see
/// (<see cref="TokenVisibility"/>) is <c>{"active":false}</c> and nothing more.
/// </summary>
public static class IntrospectionEndpoint
{
    public const string Path = "/connect/introspect";

    public static WebApplication MapIntrospection(this WebApplication app)
    {
        app.MapMethods(Path, [HttpMethods.Post], HandleAsync).DisableAntiforgery();
        app.MapMethods(Path, [HttpMethods.Get, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch], () =>
            OAuthError.Result(StatusCodes.Status405MethodNotAllowed, "invalid_request", "The introspection endpoint only accepts POST."));
        return app;
    }

    public static async Task<IResult> HandleAsync(
        HttpContext context, TokenLookup lookup, CallerAuthentication callers, TimeProvider time, PublicIssuer issuer, IntrospectionMetrics metrics)
    {
        var started = IntrospectionMetrics.Start();
        var (answer, result, kind) = await AnswerAsync(context, lookup, callers, time, issuer);
        metrics.Answered(started, result, kind);
        return answer;
    }

    private static async Task<(IResult Answer, string Result, string? Kind)> AnswerAsync(
        HttpContext context, TokenLookup lookup, CallerAuthentication callers, TimeProvider time, PublicIssuer issuer)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (!context.Request.HasFormContentType || !IsUrlEncodedForm(context.Request.ContentType))
        {
            return Error(OAuthError.Result(StatusCodes.Status400BadRequest, "invalid_request",
                "The introspection request must be sent as application/x-www-form-urlencoded."));
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            // ASP.NET Core refuses a form over its limits or holding a control character such as %00: the client's error.
            return Error(OAuthError.Result(StatusCodes.Status400BadRequest, "invalid_request",
                "The request body is not a form this server accepts: it is too large, has too many parameters, or holds invalid characters."));
        }

        if (OAuthError.RepeatedParameter(form) is { } repeated)
        {
            return Error(OAuthError.Result(StatusCodes.Status400BadRequest, "invalid_request", $"The '{repeated}' parameter must not be repeated."));
        }

        var caller = await callers.AuthenticateAsync(context.Request, form, context.RequestAborted);
        if (caller.Failure is { } failure)
        {
            return Error(failure);
        }

        if (StringValues.IsNullOrEmpty(form["token"]))
        {
            return Error(OAuthError.Result(StatusCodes.Status400BadRequest, "invalid_request", "The 'token' parameter is missing."));
        }

        var now = time.GetUtcNow();
        var facts = await lookup.FindAsync(form["token"].ToString(), context.RequestAborted);
        if (facts is null || !facts.IsActive(now) || !TokenVisibility.CanSee(caller.ClientId!, caller.Permissions, facts.Token))
        {
            return (Results.Json(new Dictionary<string, object> { ["active"] = false }), IntrospectionMetrics.Inactive, facts?.Token.Kind);
        }

        return (Results.Json(Describe(facts, issuer.Value)), IntrospectionMetrics.Active, facts.Token.Kind);
    }

    // RFC 7662 takes application/x-www-form-urlencoded only; a multipart body would also fail to parse as one (a 500).
    private static bool IsUrlEncodedForm(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
        && mediaType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    private static (IResult Answer, string Result, string? Kind) Error(IResult answer) =>
        (answer, OAuthError.CodeOf(answer) ?? "other", null);

    /// <summary>
    /// The view of a presented reference token when introspection would call it active, else null. The audit
    /// API authenticates its bearer callers with it, so both answer "is this token good" the same way.
    /// </summary>
    public static async Task<TokenView?> FindActiveAsync(IQuerySession session, string presented, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var facts = await ReadModelTokens.FindByHashAsync(session, TokenLookup.Hash(presented), cancellationToken);
        return facts is not null && facts.IsActive(now) ? facts.Token : null;
    }

    private static Dictionary<string, object> Describe(TokenFacts facts, Uri issuer)
    {
        var token = facts.Token;
        var response = new Dictionary<string, object>
        {
            ["active"] = true,
            ["iss"] = issuer.AbsoluteUri,
            ["jti"] = token.Id,
        };
        if (token.Scopes.Count > 0) response["scope"] = string.Join(' ', token.Scopes);
        if (token.ClientId is not null) response["client_id"] = token.ClientId;
        if (token.Subject is not null) response["sub"] = token.Subject;
        if (facts.User?.UserName is { } userName) response["username"] = userName;
        if (token.Audiences.Count > 0) response["aud"] = token.Audiences.Count == 1 ? token.Audiences[0] : token.Audiences;
        if (token.IssuedAt is { } issuedAt)
        {
            response["iat"] = issuedAt.ToUnixTimeSeconds();
            response["nbf"] = issuedAt.ToUnixTimeSeconds();
        }

        if (token.ExpiresAt is { } expiresAt) response["exp"] = expiresAt.ToUnixTimeSeconds();
        response["token_type"] = token.Kind == TokenKinds.AccessToken ? "Bearer" : token.Kind!;
        return response;
    }
}
