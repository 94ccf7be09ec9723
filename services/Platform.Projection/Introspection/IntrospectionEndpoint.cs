using System.Security.Cryptography;
using System.Text;
using Marten;
using Microsoft.Extensions.Primitives;
using Platform.Contracts.Events;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Introspection;

/// <summary>
/// RFC 7662 token introspection, answered from the projection's read model. A token that is unknown,
/// expired, revoked, or whose client is disabled is <c>{"active":false}</c> and nothing more.
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

    public static async Task<IResult> HandleAsync(HttpContext context, IQuerySession session, CallerAuthentication callers, TimeProvider time, PublicIssuer issuer)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (!context.Request.HasFormContentType)
        {
            return OAuthError.Result(StatusCodes.Status400BadRequest, "invalid_request",
                "The introspection request must be sent as application/x-www-form-urlencoded.");
        }

        IFormCollection form;
        try
        {
            form = await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            // ASP.NET Core refuses a form over its limits or holding a control character such as %00: the client's error.
            return OAuthError.Result(StatusCodes.Status400BadRequest, "invalid_request",
                "The request body is not a form this server accepts: it is too large, has too many parameters, or holds invalid characters.");
        }

        if (OAuthError.RepeatedParameter(form) is { } repeated)
        {
            return OAuthError.Result(StatusCodes.Status400BadRequest, "invalid_request", $"The '{repeated}' parameter must not be repeated.");
        }

        var caller = await callers.AuthenticateAsync(context.Request, form, context.RequestAborted);
        if (caller.Failure is { } failure)
        {
            return failure;
        }

        if (StringValues.IsNullOrEmpty(form["token"]))
        {
            return OAuthError.Result(StatusCodes.Status400BadRequest, "invalid_request", "The 'token' parameter is missing.");
        }

        var token = await FindAsync(session, form["token"].ToString(), context.RequestAborted);
        var now = time.GetUtcNow();
        if (token is null || !await IsActiveAsync(session, token, now, context.RequestAborted))
        {
            return Results.Json(new Dictionary<string, object> { ["active"] = false });
        }

        return Results.Json(Describe(token, issuer.Value));
    }

    /// <summary>
    /// The view of a presented reference token when introspection would call it active, else null. The audit
    /// API authenticates its bearer callers with it, so both answer "is this token good" the same way.
    /// </summary>
    public static async Task<TokenView?> FindActiveAsync(IQuerySession session, string presented, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var token = await FindAsync(session, presented, cancellationToken);
        return token is not null && await IsActiveAsync(session, token, now, cancellationToken) ? token : null;
    }

    /// <summary>Reference tokens are found by the hash the writers store: SHA-256 of the token, base64.</summary>
    private static Task<TokenView?> FindAsync(IQuerySession session, string presented, CancellationToken cancellationToken)
    {
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
        return session.Query<TokenView>().FirstOrDefaultAsync(view => view.ReferenceIdHash == hash, cancellationToken);
    }

    private static async Task<bool> IsActiveAsync(IQuerySession session, TokenView token, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!TokenActivity.IsActive(token, now))
        {
            return false;
        }

        var client = token.ApplicationId is null ? null : await session.LoadAsync<ClientView>(token.ApplicationId, cancellationToken);
        var grant = token.GrantId is null ? null : await session.LoadAsync<GrantView>(token.GrantId, cancellationToken);
        var user = token.Subject is null ? null : await session.LoadAsync<UserView>(token.Subject, cancellationToken);
        return TokenActivity.IsActive(token, client, grant, user, now);
    }

    private static Dictionary<string, object> Describe(TokenView token, Uri issuer)
    {
        var response = new Dictionary<string, object>
        {
            ["active"] = true,
            ["iss"] = issuer.AbsoluteUri,
            ["jti"] = token.Id,
        };
        if (token.Scopes.Count > 0) response["scope"] = string.Join(' ', token.Scopes);
        if (token.ClientId is not null) response["client_id"] = token.ClientId;
        if (token.Subject is not null) response["sub"] = token.Subject;
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
