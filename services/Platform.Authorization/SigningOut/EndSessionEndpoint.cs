using Marten;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;
using Platform.Authorization.Pages;
using Platform.Contracts.Events;
using Platform.Identity.Protocol;
using Platform.Identity.Sessions;

namespace Platform.Authorization.SigningOut;

/// <summary>
/// <c>/connect/endsession</c> (RP-initiated logout): OpenIddict has already checked that a
/// <c>post_logout_redirect_uri</c>, if any, is registered for the client, exactly. Here the session cookie is
/// cleared, the sign-out recorded as <c>UserSignedOut</c> on the user's stream, and the browser sent back to
/// the client (with <c>state</c>) or shown that it is signed out.
/// </summary>
public static class EndSessionEndpoint
{
    public static WebApplication MapEndSession(this WebApplication app)
    {
        app.MapMethods("/" + PlatformEndpoints.EndSession, [HttpMethods.Get, HttpMethods.Post], EndSessionAsync)
            .DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> EndSessionAsync(HttpContext context, IDocumentStore store, TimeProvider time, ILoggerFactory loggers)
    {
        var request = context.GetOpenIddictServerRequest();
        if (request is null)
        {
            return ErrorPage.Show(context, OpenIddict.Abstractions.OpenIddictConstants.Errors.InvalidRequest, "This address is not a sign-out request.");
        }

        var session = await context.AuthenticateAsync(SignInSession.Scheme);
        if (session.Succeeded && session.Principal.FindFirst(SignInSession.Claims.Subject)?.Value is { Length: > 0 } userId)
        {
            await RecordAsync(store, userId, session.Principal.FindFirst(SignInSession.Claims.SessionId)?.Value, time.GetUtcNow(),
                loggers.CreateLogger(typeof(EndSessionEndpoint)), context.RequestAborted);
            await context.SignOutAsync(SignInSession.Scheme);
        }

        if (!string.IsNullOrEmpty(request.PostLogoutRedirectUri))
        {
            // OpenIddict redirects to the validated post_logout_redirect_uri, with state.
            return Results.SignOut(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        return Page.Html(context, "You are signed out", """
            <h1>You are signed out</h1>
            <p>You have signed out of Platform. You can close this window.</p>
            """);
    }

    /// <summary>
    /// Appends <c>UserSignedOut</c> to the user's stream, the one event of a user stream the authorization
    /// service writes (without an expected version: it changes nothing the profile service decides on). A
    /// session whose user has no stream (deleted since) is not recorded.
    /// </summary>
    private static async Task RecordAsync(IDocumentStore store, string userId, string? sessionId, DateTimeOffset now, ILogger logger, CancellationToken cancellationToken)
    {
        await using var events = store.LightweightSession();
        if (await events.Events.FetchStreamStateAsync(userId, cancellationToken) is null)
        {
            logger.LogWarning("Sign-out of a session whose user {UserId} has no stream; not recorded", userId);
            return;
        }

        events.Events.Append(userId, new UserSignedOut(userId, sessionId, now));
        await events.SaveChangesAsync(cancellationToken);
    }
}
