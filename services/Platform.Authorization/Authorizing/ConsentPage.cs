using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Platform.Authorization.Pages;
using Platform.Identity.Protocol;
using Platform.Identity.Sessions;

namespace Platform.Authorization.Authorizing;

/// <summary>
/// The page that asks the user whether an application may do what it asks. The form posts the original
/// request back to <c>/connect/authorize</c>, so OpenIddict validates it again, with the answer and an
/// antiforgery token bound to the signed-in user.
/// </summary>
public static class ConsentPage
{
    public static IResult Show(
        HttpContext context,
        string applicationName,
        ClaimsPrincipal user,
        IReadOnlyList<(string Scope, string Words)> scopes,
        IReadOnlyList<KeyValuePair<string, string>> parameters,
        string answerField,
        AntiforgeryTokenSet tokens)
    {
        var who = user.FindFirst(SignInSession.Claims.Name)?.Value
            ?? user.FindFirst(SignInSession.Claims.PreferredUserName)?.Value
            ?? user.FindFirst(SignInSession.Claims.Email)?.Value;
        var html = new StringBuilder();
        html.Append($"""<h1><span id="client">{Page.Encode(applicationName)}</span> would like to</h1>""");
        html.Append("""<ul aria-labelledby="client">""");
        foreach (var (scope, words) in scopes)
        {
            html.Append($"""<li data-scope="{Page.Encode(scope)}">{Page.Encode(words)}</li>""");
        }

        html.Append("</ul>");
        if (who is not null)
        {
            html.Append($"""<p class="muted">You are signed in as {Page.Encode(who)}.</p>""");
        }

        html.Append($"""<form method="post" action="{Page.Encode(context.Request.PathBase + "/" + PlatformEndpoints.Authorization)}">""");
        foreach (var (name, value) in parameters)
        {
            html.Append($"""<input type="hidden" name="{Page.Encode(name)}" value="{Page.Encode(value)}">""");
        }

        html.Append($"""<input type="hidden" name="{Page.Encode(tokens.FormFieldName)}" value="{Page.Encode(tokens.RequestToken)}">""");
        html.Append($"""<div class="actions"><button type="submit" name="{answerField}" value="{Authorize.Deny}">Deny</button>""");
        html.Append($"""<button type="submit" class="primary" name="{answerField}" value="{Authorize.Allow}" autofocus>Allow</button></div>""");
        html.Append("</form>");
        html.Append("""<p class="muted">You can take this back at any time in your account's connected apps.</p>""");
        return Page.Html(context, $"Allow {applicationName}?", html.ToString());
    }
}
