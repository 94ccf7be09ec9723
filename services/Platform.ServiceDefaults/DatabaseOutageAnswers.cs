using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Platform.ServiceDefaults;

/// <summary>
/// A request that fails because the database is unavailable (<see cref="DatabaseOutage"/>) is not the client's fault
/// and not a bug: it is answered 503 with <c>Retry-After</c> and RFC 6749's <c>temporarily_unavailable</c> (a short
/// HTML page for a browser), with one warning in the log that names the request's path and the cause, nothing
/// else of the request. Every other exception goes on as before. Outermost in every service's pipeline, so it also
/// catches what OpenIddict's handlers and the authentication middleware throw.
/// </summary>
internal sealed class DatabaseOutageAnswers(ILogger<DatabaseOutageAnswers> logger) : IStartupFilter
{
    private const string Description = "The server cannot reach its database right now. Retry after the number of seconds in Retry-After.";

    private const string Page = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable</title></head>
        <body><h1>Temporarily unavailable</h1><p>Platform cannot serve this page right now. Try again in a few seconds.</p></body></html>
        """;

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, following) =>
        {
            try
            {
                await following(context);
            }
            catch (Exception exception) when (DatabaseOutage.Cause(exception) is { } cause)
            {
                await AnswerAsync(context, cause);
            }
        });
        next(app);
    };

    private async Task AnswerAsync(HttpContext context, string cause)
    {
        Activity.Current?.SetStatus(ActivityStatusCode.Error, "database unavailable: " + cause);
        if (context.Response.HasStarted)
        {
            // Half an answer cannot be turned into a 503: cut the connection so the client cannot take it for a whole one.
            logger.LogWarning("{Method} {Path}: the database became unavailable after the answer had started ({Cause}); connection aborted",
                context.Request.Method, context.Request.Path.Value, cause);
            context.Abort();
            return;
        }

        logger.LogWarning("{Method} {Path} answered 503: the database is unavailable ({Cause})",
            context.Request.Method, context.Request.Path.Value, cause);
        var response = context.Response;
        response.Clear();
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = DatabaseOutage.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        if (WantsHtml(context.Request))
        {
            response.ContentType = "text/html; charset=utf-8";
            await response.WriteAsync(Page);
            return;
        }

        await response.WriteAsJsonAsync(new Dictionary<string, string>
        {
            ["error"] = "temporarily_unavailable",
            ["error_description"] = Description,
        });
    }

    // A browser navigating (the sign-in and consent pages, /connect/authorize) asks for HTML; protocol clients do not.
    private static bool WantsHtml(HttpRequest request) =>
        MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted)
        && accepted.Any(type => type.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));
}
