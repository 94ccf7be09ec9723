using System.Net;
using System.Text;
using Platform.Testing;

namespace Platform.Reliability.Tests;

/// <summary>
/// A web site on a loopback port of its own, answering every request with one page and remembering what was asked:
/// the attacker's site, or the application behind a redirect URI. It listens on every name (<c>http://*:port/</c>), so
/// a browser told that <c>attacker.example</c> is 127.0.0.1 reaches it under that name, as another site.
/// </summary>
public sealed class LoopbackSite : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly List<string> requests = [];
    private readonly string page;

    public LoopbackSite(string page)
    {
        this.page = page;
        Port = ServiceProcess.FreePort();
        listener.Prefixes.Add($"http://*:{Port}/");
        listener.Start();
        _ = ServeAsync();
    }

    public int Port { get; }

    /// <summary>The paths and queries asked for so far.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (requests)
            {
                return [.. requests];
            }
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
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            lock (requests)
            {
                requests.Add(context.Request.Url!.PathAndQuery);
            }

            var body = Encoding.UTF8.GetBytes(page);
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.ContentLength64 = body.Length;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }

    public void Dispose() => listener.Close();
}
