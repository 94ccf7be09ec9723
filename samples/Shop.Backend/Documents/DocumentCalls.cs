using System.Text.Json;

namespace Shop.Backend.Documents;

/// <summary>
/// The shop's document pages, each one call to the documents API on the user's behalf. <c>?proactiveRefresh=false</c>
/// skips the refresh before expiry, to show the API's <c>401</c> for an expired token (the demo uses it).
/// </summary>
public static class DocumentCalls
{
    public static WebApplication MapDocumentCalls(this WebApplication app)
    {
        app.MapGet("/documents", (UserCalls calls, HttpContext http, bool? proactiveRefresh) =>
            RunAsync(calls.CallAsync(http, HttpMethod.Get, "documents", null, proactiveRefresh ?? true)));
        app.MapGet("/documents/{id}", (string id, UserCalls calls, HttpContext http, bool? proactiveRefresh) =>
            RunAsync(calls.CallAsync(http, HttpMethod.Get, $"documents/{Uri.EscapeDataString(id)}", null, proactiveRefresh ?? true)));
        app.MapPost("/documents", (JsonElement document, UserCalls calls, HttpContext http, bool? proactiveRefresh) =>
            RunAsync(calls.CallAsync(http, HttpMethod.Post, "documents", document.GetRawText(), proactiveRefresh ?? true)));
        app.MapPut("/documents/{id}", (string id, JsonElement document, UserCalls calls, HttpContext http, bool? proactiveRefresh) =>
            RunAsync(calls.CallAsync(http, HttpMethod.Put, $"documents/{Uri.EscapeDataString(id)}", document.GetRawText(), proactiveRefresh ?? true)));
        return app;
    }

    private static async Task<IResult> RunAsync(Task<ShopAnswer> call) => (await call).ToResult();
}
