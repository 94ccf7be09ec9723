using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Behind an ingress that terminates TLS (infra/k8s prod), the services see plain http from the proxy in front:
/// an https issuer's OpenIddict answers only when the proxy's <c>X-Forwarded-Proto: https</c> is believed, and
/// it is believed only from <c>Platform:ForwardedHeaders:KnownNetworks</c> (the backends: or loopback, where the
/// gateway is). The test plays the ingress from this machine's own non-loopback address, so that trusting it is
/// the setting's doing.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private static readonly Uri HttpsIssuer = new("https://platform.example.com/");

    [Fact]
    public async Task Gateway_ForwardedHttpsFromATrustedNetwork_ReachesAnHttpsIssuer_AndFromAnyoneElseIsIgnored()
    {
        var ingress = MachineAddress();
        var postgres = await TestServers.CreateDatabaseAsync("forwarded");
        var rabbitMq = await TestServers.RabbitMqAsync();
        var authorizationPort = ServiceProcess.FreePort();
        await using var authorization = ServiceProcess.Start("Platform.Authorization", authorizationPort, new Dictionary<string, string?>
        {
            // Every address: the gateway comes over loopback; the last check below comes from outside it.
            ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{authorizationPort}",
            ["ConnectionStrings__Postgres"] = postgres,
            ["ConnectionStrings__RabbitMq"] = rabbitMq,
            ["Platform__Issuer"] = HttpsIssuer.AbsoluteUri,
            ["Platform__Bus__QueuePrefix"] = $"forwarded-{Guid.NewGuid():N}",
        });
        await authorization.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

        await using var trusting = await StartGatewayAsync(authorization, $"{ingress}/32");
        await using var trustingOthers = await StartGatewayAsync(authorization, "203.0.113.0/24");

        // From the trusted ingress: the request counts as https end to end, and discovery names the https issuer.
        var (status, body) = await DiscoveryAsync(ingress, trusting, forwardedProto: "https");
        Assert.True(status == HttpStatusCode.OK, $"{status} {body}");
        var discovery = JsonDocument.Parse(body).RootElement;
        Assert.Equal(HttpsIssuer.AbsoluteUri, discovery.GetProperty("issuer").GetString());
        Assert.StartsWith(HttpsIssuer.AbsoluteUri, discovery.GetProperty("token_endpoint").GetString(), StringComparison.Ordinal);

        // The same ingress without the header: plain http, which an https issuer refuses.
        AssertRefusedAsNotHttps(await DiscoveryAsync(ingress, trusting, forwardedProto: null));

        // A client (an address outside the known networks) claiming https is not believed, by the gateway...
        AssertRefusedAsNotHttps(await DiscoveryAsync(ingress, trustingOthers, forwardedProto: "https"));

        // ...nor from loopback, where the clients of a one-machine set-up are: the gateway is the edge...
        AssertRefusedAsNotHttps(await DiscoveryAsync(IPAddress.Loopback, trustingOthers, forwardedProto: "https"));

        // ...nor by a backend reached directly from outside loopback.
        AssertRefusedAsNotHttps(await DiscoveryAsync(ingress, authorization, forwardedProto: "https"));
    }

    [Fact]
    public async Task Gateway_WithAMalformedKnownNetwork_StopsNamingTheSetting()
    {
        await using var gateway = ServiceProcess.Start("Platform.Gateway", ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["Platform__Issuer"] = HttpsIssuer.AbsoluteUri,
            ["Platform__Upstreams__Authorization"] = "http://127.0.0.1:1/",
            ["Platform__Upstreams__Token"] = "http://127.0.0.1:1/",
            ["Platform__Upstreams__Profile"] = "http://127.0.0.1:1/",
            ["Platform__Upstreams__Projection"] = "http://127.0.0.1:1/",
            ["Platform__ForwardedHeaders__KnownNetworks"] = "10.0.0.0/8,the-ingress",
        });

        Assert.Equal(78, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var line = Assert.Single(gateway.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Platform__ForwardedHeaders__KnownNetworks", line, StringComparison.Ordinal);
        Assert.Contains("'the-ingress'", line, StringComparison.Ordinal);
    }

    private static async Task<ServiceProcess> StartGatewayAsync(ServiceProcess authorization, string knownNetworks)
    {
        var port = ServiceProcess.FreePort();
        var gateway = ServiceProcess.Start("Platform.Gateway", port, new Dictionary<string, string?>
        {
            // Every address, so that the test can come from this machine's own, not only from loopback.
            ["ASPNETCORE_URLS"] = $"http://0.0.0.0:{port}",
            ["Platform__Issuer"] = HttpsIssuer.AbsoluteUri,
            ["Platform__Upstreams__Authorization"] = authorization.Address.AbsoluteUri,
            ["Platform__Upstreams__Token"] = "http://127.0.0.1:1/",
            ["Platform__Upstreams__Profile"] = "http://127.0.0.1:1/",
            ["Platform__Upstreams__Projection"] = "http://127.0.0.1:1/",
            ["Platform__ForwardedHeaders__KnownNetworks"] = knownNetworks,
        });
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        return gateway;
    }

    private static async Task<(HttpStatusCode Status, string Body)> DiscoveryAsync(IPAddress from, ServiceProcess to, string? forwardedProto)
    {
        // Connect to the service's port on this address (the machine's own, or loopback), so the connection comes from it.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(from, to.Address.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://platform.example.com/.well-known/openid-configuration");
        if (forwardedProto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static void AssertRefusedAsNotHttps((HttpStatusCode Status, string Body) answer)
    {
        Assert.True(answer.Status == HttpStatusCode.BadRequest, $"{answer.Status} {answer.Body}");
        var error = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Equal("invalid_request", error.GetProperty("error").GetString());
        Assert.Contains("HTTPS", error.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    /// <summary>This machine's first IPv4 address outside loopback: where a proxy on another host would come from.</summary>
    private static IPAddress MachineAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(nic => nic.OperationalStatus == OperationalStatus.Up && nic.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(unicast => unicast.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address))
        ?? throw new InvalidOperationException("This machine has no IPv4 address outside loopback; the test needs one to play the ingress.");
}
