using System.Net;
using System.Net.Sockets;
using Platform.HealthProbe;
using Xunit;

namespace Platform.Deployment.Tests;

/// <summary>The compose health check: the probe's exit code says whether the endpoint answered 2xx.</summary>
public sealed class HealthProbeTests : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly string address;

    public HealthProbeTests()
    {
        address = $"http://127.0.0.1:{FreePort()}/";
        listener.Prefixes.Add(address);
        listener.Start();
        _ = AnswerAsync();
    }

    [Fact]
    public async Task Probe_EndpointAnswers200_ExitsHealthy()
    {
        Assert.Equal(HealthProbe.HealthProbe.Healthy, await HealthProbe.HealthProbe.RunAsync([address + "health/ready"], TextWriter.Null));
    }

    [Fact]
    public async Task Probe_EndpointAnswers503_ExitsUnhealthyAndSaysSo()
    {
        var error = new StringWriter();
        Assert.Equal(HealthProbe.HealthProbe.Unhealthy, await HealthProbe.HealthProbe.RunAsync([address + "unhealthy"], error));
        Assert.Contains("503", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_NothingListens_ExitsUnhealthy()
    {
        Assert.Equal(HealthProbe.HealthProbe.Unhealthy, await HealthProbe.HealthProbe.RunAsync([$"http://127.0.0.1:{FreePort()}/health/ready"], TextWriter.Null));
    }

    [Theory]
    [InlineData]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1/health")]
    public async Task Probe_WithoutAnHttpUrl_ExitsWithUsage(params string[] args)
    {
        Assert.Equal(HealthProbe.HealthProbe.Usage, await HealthProbe.HealthProbe.RunAsync(args, TextWriter.Null));
    }

    public void Dispose() => listener.Close();

    private async Task AnswerAsync()
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

            context.Response.StatusCode = context.Request.Url!.AbsolutePath == "/health/ready" ? 200 : 503;
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
