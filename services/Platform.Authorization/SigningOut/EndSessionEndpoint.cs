using System.Text;
using Marten;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
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

    private const string ConfirmField = "confirm_sign_out";

    private static async Task<IResult> EndSessionAsync(
        HttpContext context, IDocumentStore store, TimeProvider time, ILoggerFactory loggers, IAntiforgery antiforgery)
    {
        var request = context.GetOpenIddictServerRequest();
        if (request is null)
        {
            return ErrorPage.Show(context, OpenIddict.Abstractions.OpenIddictConstants.Errors.InvalidRequest, "This address is not a sign-out request.");
        }

        var session = await context.AuthenticateAsync(SignInSession.Scheme);
        if (session.Succeeded && session.Principal.FindFirst(SignInSession.Claims.Subject)?.Value is { Length: > 0 } userId)
        {
            // Antiforgery tokens are bound to the signed-in user.
            context.User = session.Principal;

            // Without an id_token_hint any page could send the browser here: ask the person first
            // (OpenID Connect RP-Initiated Logout §2), with a form only this site can post.
            if (string.IsNullOrEmpty(request.IdTokenHint))
            {
                switch (await ConfirmedAsync(context, antiforgery))
                {
                    case null:
                        return Confirmation(context, request, antiforgery);
                    case false:
                        return ErrorPage.Show(context, OpenIddict.Abstractions.OpenIddictConstants.Errors.InvalidRequest,
                            "The sign-out form expired or did not come from this site. Go back to the application and try again.");
                }
            }

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

    /// <summary>null: not answered yet; true: the person confirmed on our form; false: a forged or stale answer.</summary>
    private static async Task<bool?> ConfirmedAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.HasFormContentType
            || !(await context.Request.ReadFormAsync(context.RequestAborted)).ContainsKey(ConfirmField))
        {
            return null;
        }

        try
        {
            await antiforgery.ValidateRequestAsync(context);
            return true;
        }
        catch (AntiforgeryValidationException)
        {
            return false;
        }
    }

    private static IResult Confirmation(HttpContext context, OpenIddictRequest request, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var hidden = new StringBuilder();
        foreach (var (name, value) in request.GetParameters())
        {
            foreach (var item in ((StringValues)value).OfType<string>())
            {
                hidden.Append($"""<input type="hidden" name="{Page.Encode(name)}" value="{Page.Encode(item)}">""");
            }
        }

        return Page.Html(context, "Sign out?", $"""
            <h1>Sign out of Platform?</h1>
            <p>An application asked to sign you out. If you did not ask for it, close this window.</p>
            <form method="post" action="/{PlatformEndpoints.EndSession}">
            {hidden}<input type="hidden" name="{Page.Encode(tokens.FormFieldName)}" value="{Page.Encode(tokens.RequestToken)}">
            <div class="actions"><button type="submit" class="primary" name="{ConfirmField}" value="yes" autofocus>Sign out</button></div>
            </form>
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
