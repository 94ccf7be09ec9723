using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests.Operations;

/// <summary>
/// Stopped the way Kubernetes stops a pod (SIGTERM) while a token request is in flight, the token service stops
/// taking new connections, still answers that request with a token, and exits with code 0.
/// </summary>
public sealed class GracefulShutdownTests(TokenServiceFixture fixture) : IClassFixture<TokenServiceFixture>
{
    [Fact]
    public async Task Sigterm_DuringATokenRequest_RequestAnsweredThenExitZero()
    {
        var port = ServiceProcess.FreePort();
        var service = ServiceProcess.Start("Platform.Token", port, new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = fixture.Postgres,
            ["ConnectionStrings__RabbitMq"] = fixture.RabbitMq,
            ["Platform__Issuer"] = $"http://localhost:{port}/",
            ["Platform__Bus__QueuePrefix"] = $"shutdown-tests-{Guid.NewGuid():N}",
        });
        await using var _ = service;
        await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

        var body = $"grant_type=client_credentials&scope={TokenServiceFixture.Scope}";
        using var connection = new TcpClient();
        await connection.ConnectAsync("127.0.0.1", port);
        var stream = connection.GetStream();
        // Expect: 100-continue makes the server say when the endpoint has started reading the body: the request is
        // then in flight inside the service, and the body follows only after the SIGTERM.
        await WriteAsync(stream, $"POST /connect/token HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" +
            $"Authorization: {PlatformCluster.Basic(fixture.Client.Id, fixture.Client.Secret)}\r\n" +
            $"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {Encoding.ASCII.GetByteCount(body)}\r\n" +
            "Expect: 100-continue\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 100 Continue", await ReadUntilAsync(stream, "\r\n\r\n"), StringComparison.Ordinal);

        var stopped = service.StopAsync(grace: TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(async () => !await AcceptsConnectionsAsync(port), "the service to stop accepting connections");
        await WriteAsync(stream, body);
        var answer = await ReadToEndAsync(stream);
        await stopped;

        Assert.StartsWith("HTTP/1.1 200 OK", answer, StringComparison.Ordinal);
        var json = JsonDocument.Parse(answer[(answer.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]).RootElement;
        Assert.False(string.IsNullOrEmpty(json.GetProperty("access_token").GetString()));
        Assert.True(service.HasExited);
        Assert.Equal(0, service.ExitCode);
    }

    private static async Task WriteAsync(NetworkStream stream, string text)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
        await stream.FlushAsync();
    }

    private static async Task<string> ReadUntilAsync(NetworkStream stream, string end)
    {
        var read = new StringBuilder();
        var buffer = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!read.ToString().EndsWith(end, StringComparison.Ordinal) && await stream.ReadAsync(buffer, timeout.Token) == 1)
        {
            read.Append((char)buffer[0]);
        }

        return read.ToString();
    }

    private static async Task<string> ReadToEndAsync(NetworkStream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        return await reader.ReadToEndAsync(timeout.Token);
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        using var probe = new TcpClient();
        try
        {
            await probe.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
