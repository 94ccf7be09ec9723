using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Diagnostics;

namespace Platform.Authorization.Pages;

/// <summary>
/// The page a person sees when a request cannot go back to the application: an unknown client, a redirect
/// URI that is not registered, a malformed request. Such an error is never sent to the redirect URI (it could
/// be anyone's); OpenIddict leaves the answer to the status code pages, and this page renders it.
/// </summary>
public static class ErrorPage
{
    public static IResult Show(HttpContext context, string error, string? description) =>
        Page.Html(context, "This sign-in link does not work", Body(error, description), StatusCodes.Status400BadRequest);

    /// <summary>Renders OpenIddict's errors for the browser endpoints; leaves every other empty error answer alone.</summary>
    public static WebApplication UseProtocolErrorPages(this WebApplication app)
    {
        app.UseStatusCodePages(new StatusCodePagesOptions { HandleAsync = async statusContext =>
        {
            var context = statusContext.HttpContext;
            if (context.GetOpenIddictServerResponse() is { Error: { Length: > 0 } error } response)
            {
                await Page.WriteAsync(context, "This sign-in link does not work", Body(error, response.ErrorDescription), context.Response.StatusCode);
            }
        } });
        return app;
    }

    private static string Body(string error, string? description) => $"""
        <h1>This sign-in link does not work</h1>
        <p>The application sent you here with a request Platform cannot accept, so you have not been sent back to it.</p>
        <p>Go back to the application and try again. If it keeps happening, tell the application's developers what is below.</p>
        <p class="muted"><code id="error">{Page.Encode(error)}</code>: <span id="error-description">{Page.Encode(description)}</span></p>
        """;
}
