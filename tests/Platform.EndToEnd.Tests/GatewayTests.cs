using System.Net;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>What the gateway adds to every answer, whichever service made it.</summary>
[Collection(ClusterCollection.Name)]
public sealed class GatewayTests(ClusterFixture fixture)
{
    private PlatformCluster Cluster => fixture.Cluster;

    [Theory]
    [InlineData("GET", ".well-known/openid-configuration")]
    [InlineData("POST", "connect/token")]
    [InlineData("POST", "connect/introspect")]
    [InlineData("GET", "no/such/path")]
    public async Task AnyAnswer_ThroughGateway_CarriesSecurityHeaders(string method, string path)
    {
        using var http = Cluster.CreateClient();
        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal("frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task TokenRequests_OverTheRateLimit_Answer429ThenRecover()
    {
        await using var gateway = Cluster.StartGateway(ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["Platform__RateLimits__CredentialsPerSecond"] = "2",
        });
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = gateway.Address };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                break;
            }
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);

        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpStatusCode after;
        do
        {
            await Task.Delay(250);
            using var response = await http.PostAsync("connect/token", new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }));
            after = response.StatusCode;
        }
        while (after == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline);

        Assert.NotEqual(HttpStatusCode.TooManyRequests, after);
    }
}
