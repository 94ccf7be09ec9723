using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Shop.Backend.Activity;
using Shop.Backend.Documents;
using Shop.Backend.StockSync;
using Shop.Backend.Tokens;

namespace Shop.Backend;

/// <summary>
/// The shop's pages: sign-in and sign-out, what the session holds and what happened (JSON at <c>/session</c>,
/// for people and for the demo; never a token), and the stock sync.
/// </summary>
public static class ShopPages
{
    public static WebApplication MapShopPages(this WebApplication app)
    {
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/", HomeAsync);
        app.MapGet("/signin", () => Results.Challenge(new AuthenticationProperties { RedirectUri = "/" }));
        app.MapPost("/signout", async (HttpContext http) =>
        {
            await UserSession.EndAsync(http);
            return Results.Redirect("/");
        });
        app.MapGet("/session", SessionAsync);
        app.MapPost("/session/revoke", RevokeAsync);
        app.MapPost("/stock-sync", async (StockSyncJob job, HttpContext http, bool? report) => (await job.RunAsync(report ?? false, http.RequestAborted)).ToResult());
        app.MapGet("/stock-sync", (ActivityLog activity) => Results.Json(new { activity = activity.Of(ActivityLog.StockSync) }));
        return app;
    }

    private static async Task<IResult> SessionAsync(HttpContext http, ActivityLog activity)
    {
        var session = await UserSession.LoadAsync(http);
        if (session is null)
        {
            return Results.Json(new { signedIn = false, signIn = "/signin" });
        }

        return Results.Json(new
        {
            signedIn = true,
            user = session.UserName,
            session = session.Id,
            grantedScope = session.GrantedScope,
            accessTokenExpiresAt = session.AccessTokenExpiresAt,
            hasRefreshToken = session.RefreshToken is not null,
            activity = activity.Of(session.Id),
        });
    }

    /// <summary>
    /// Revokes the session's tokens at Platform (RFC 7009), as the user's "disconnect this app" or an
    /// administrator would elsewhere, but keeps the shop's session: the next call shows how the shop copes.
    /// </summary>
    private static async Task<IResult> RevokeAsync(HttpContext http, PlatformClient platform, ActivityLog activity)
    {
        var session = await UserSession.LoadAsync(http);
        if (session is null)
        {
            return new ShopAnswer(ShopAnswer.SignInRequired, null, "You are not signed in.", null, null, []).ToResult();
        }

        var steps = new List<ActivityEntry>();
        foreach (var (token, hint) in new[] { (session.RefreshToken, "refresh_token"), (session.AccessToken, "access_token") })
        {
            if (token is null)
            {
                continue;
            }

            var revoked = await platform.RevokeAsync(token, hint, http.RequestAborted);
            steps.Add(activity.Add(session.Id, "revoke", revoked.IsError
                ? $"Revoking the {hint.Replace('_', ' ')} failed: {revoked.Error}"
                : $"Revoked the {hint.Replace('_', ' ')} at Platform (RFC 7009)."));
            if (revoked.IsError)
            {
                return new ShopAnswer(ShopAnswer.ApiError, (int)revoked.HttpStatusCode, "Revocation failed.", null, null, steps).ToResult();
            }
        }

        return new ShopAnswer(ShopAnswer.Ok, 200, "The session's tokens are revoked at Platform.", null, null, steps).ToResult();
    }

    private static async Task<IResult> HomeAsync(HttpContext http, ActivityLog activity)
    {
        var session = await UserSession.LoadAsync(http);
        var html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>Shop</title></head><body><h1>Shop</h1>");
        if (http.Request.Query["signin_error"] is { Count: > 0 } error)
        {
            html.Append("<p role=\"alert\">Sign-in did not complete: ").Append(WebUtility.HtmlEncode(error.ToString())).Append("</p>");
        }

        if (session is null)
        {
            html.Append("<p>You are not signed in. <a href=\"/signin\">Sign in</a></p>");
        }
        else
        {
            html.Append("<p>Signed in as <strong>").Append(WebUtility.HtmlEncode(session.UserName)).Append("</strong>; access token valid until ")
                .Append(session.AccessTokenExpiresAt?.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) ?? "?")
                .Append(". <a href=\"/documents\">Documents</a> · <a href=\"/session\">session</a></p>")
                .Append("<form method=\"post\" action=\"/signout\"><button>Sign out</button></form><h2>What happened</h2><ol>");
            foreach (var entry in activity.Of(session.Id))
            {
                html.Append("<li>").Append(entry.Time.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)).Append(' ')
                    .Append(WebUtility.HtmlEncode(entry.Text)).Append("</li>");
            }

            html.Append("</ol>");
        }

        return Results.Content(html.Append("</body></html>").ToString(), "text/html; charset=utf-8");
    }
}
