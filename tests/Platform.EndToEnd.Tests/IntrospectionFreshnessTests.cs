using System.Net;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Introspection never trusts what it cannot show is fresh: a replica whose feed is cut answers from the
/// writers' documents, and a token hot in one replica's cache turns inactive when another replica applied its revocation.
/// </summary>
public sealed class IntrospectionFreshnessTests
{
    [Fact]
    public async Task Introspect_RevokedWhileBrokerDown_InactiveAtOnce()
    {
        await using var broker = await PrivateRabbitMq.StartAsync();
        await using var cluster = await PlatformCluster.StartAsync("fresh", broker.Uri);
        var client = await cluster.RegisterClientAsync(new { clientId = $"fresh-{Guid.NewGuid():N}", scopes = new[] { "api" } });
        var token = await cluster.GetTokenAsync(client, "api");
        await cluster.WaitForActiveAsync(token, active: true, caller: cluster.Api);

        await broker.StopServerAsync();
        await RevokeAsync(cluster, client, token);

        Assert.False((await cluster.IntrospectAsync(token, cluster.Api)).GetProperty("active").GetBoolean());
        await broker.StartServerAsync();
    }

    [Fact]
    public async Task Introspect_HotTokenRevoked_InactiveInEveryReplica()
    {
        await using var cluster = await PlatformCluster.StartAsync("replicas");
        var projection = cluster.Services.Single(service => service.Name == "Platform.Projection");
        await using var second = ServiceProcess.Start("Platform.Projection", ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = cluster.Postgres,
            ["ConnectionStrings__RabbitMq"] = cluster.RabbitMq,
            ["Platform__Issuer"] = cluster.Issuer.AbsoluteUri,
            ["Platform__Bus__QueuePrefix"] = $"{cluster.QueuePrefix}-projection",
        });
        await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var client = await cluster.RegisterClientAsync(new { clientId = $"hot-{Guid.NewGuid():N}", scopes = new[] { "api" } });
        var token = await cluster.GetTokenAsync(client, "api");
        foreach (var replica in new[] { projection, second })
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.True(await IsActiveAtAsync(replica, cluster, token)); // hot: cached in both replicas
            }
        }

        await RevokeAsync(cluster, client, token);

        foreach (var replica in new[] { projection, second })
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (await IsActiveAtAsync(replica, cluster, token))
            {
                Assert.True(DateTime.UtcNow < deadline, $"{replica.Address} still says active.");
                await Task.Delay(20);
            }
        }
    }

    [Fact]
    public async Task Introspect_AnotherClientsToken_Inactive()
    {
        await using var cluster = await PlatformCluster.StartAsync("visibility");
        var token = await cluster.GetTokenAsync(cluster.Admin, "platform.admin"); // not meant for the API: no audience
        await cluster.WaitForActiveAsync(token, active: true);

        Assert.Equal("""{"active":false}""", (await cluster.IntrospectAsync(token, cluster.Api)).GetRawText());
    }

    private static async Task<bool> IsActiveAtAsync(ServiceProcess replica, PlatformCluster cluster, string token)
    {
        using var http = new HttpClient { BaseAddress = replica.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(cluster.Api.Id, cluster.Api.Secret);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("active").GetBoolean();
    }

    private static async Task RevokeAsync(PlatformCluster cluster, (string Id, string Secret) client, string token)
    {
        using var http = cluster.CreateClient();
        using var revoke = new HttpRequestMessage(HttpMethod.Post, "connect/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        revoke.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
        using var response = await http.SendAsync(revoke);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
