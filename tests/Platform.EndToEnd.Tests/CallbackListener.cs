using System.Net;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The client application's redirect URI, listening for real on a loopback port (RFC 8252 §7.3): it receives
/// what Platform sends the application after sign-in, as the application would.
/// </summary>
public sealed class CallbackListener : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly List<Dictionary<string, string>> received = [];
    private readonly SemaphoreSlim arrived = new(0);

    public CallbackListener()
    {
        var port = ServiceProcess.FreePort();
        RedirectUri = new Uri($"http://127.0.0.1:{port}/callback");
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = ServeAsync();
    }

    public Uri RedirectUri { get; }

    /// <summary>The next callback's query parameters.</summary>
    public async Task<Dictionary<string, string>> NextAsync(TimeSpan within)
    {
        if (!await arrived.WaitAsync(within))
        {
            throw new TimeoutException("The application's redirect URI received nothing.");
        }

        lock (received)
        {
            var next = received[0];
            received.RemoveAt(0);
            return next;
        }
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            // Only the redirect URI itself is the application's answer (a browser also asks for /favicon.ico).
            if (context.Request.Url!.AbsolutePath == RedirectUri.AbsolutePath)
            {
                var query = QueryHelpers.ParseQuery(context.Request.Url.Query).ToDictionary(p => p.Key, p => p.Value.ToString());
                lock (received)
                {
                    received.Add(query);
                }

                arrived.Release();
            }

            var body = Encoding.UTF8.GetBytes("The application received the answer.");
            context.Response.ContentType = "text/plain";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        listener.Close();
        arrived.Dispose();
    }
}
