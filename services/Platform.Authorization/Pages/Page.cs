using System.Net;
using System.Text;

namespace Platform.Authorization.Pages;

/// <summary>
/// The few HTML pages this service shows a person (consent, errors, signed out): one plain, accessible
/// layout, never cached, never framed, never leaking the address they were on.
/// </summary>
public static class Page
{
    public static IResult Html(HttpContext context, string title, string body, int statusCode = StatusCodes.Status200OK)
    {
        ApplySecurityHeaders(context.Response);
        return Results.Content(Layout(title, body), "text/html; charset=utf-8", Encoding.UTF8, statusCode);
    }

    public static Task WriteAsync(HttpContext context, string title, string body, int statusCode)
    {
        ApplySecurityHeaders(context.Response);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(Layout(title, body), context.RequestAborted);
    }

    /// <summary>HTML-encodes text for an element or an attribute value.</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);

    private static void ApplySecurityHeaders(HttpResponse response)
    {
        // The gateway sets these too; the service sets them itself so that a page is safe on any path to it.
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
        response.Headers.Pragma = "no-cache";
    }

    private static string Layout(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{Encode(title)}} · Platform</title>
        <style>
          :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.5; }
          body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
          main { width: min(28rem, calc(100% - 2rem)); padding: 2rem; border: 1px solid color-mix(in srgb, CanvasText 20%, transparent); border-radius: 0.75rem; }
          h1 { font-size: 1.4rem; margin: 0 0 1rem; }
          ul { padding-left: 1.25rem; }
          li { margin: 0.35rem 0; }
          .actions { display: flex; gap: 0.75rem; margin-top: 1.5rem; }
          button { flex: 1; font: inherit; padding: 0.6rem 1rem; border-radius: 0.5rem; border: 1px solid color-mix(in srgb, CanvasText 35%, transparent); background: Canvas; color: CanvasText; cursor: pointer; }
          button.primary { background: #1f5fbf; border-color: #1f5fbf; color: #fff; }
          button:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
          .muted { opacity: 0.75; font-size: 0.9rem; }
          code { overflow-wrap: anywhere; }
        </style>
        </head>
        <body>
        <main>
        {{body}}
        </main>
        </body>
        </html>
        """;
}
