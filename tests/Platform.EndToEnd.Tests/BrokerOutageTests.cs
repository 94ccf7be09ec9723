using System.Net;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The event store is the outbox: a revocation that commits while RabbitMQ is away is published when it
/// comes back, and introspection then turns inactive. Nothing is lost and nothing needs a hand.
/// </summary>
public sealed class BrokerOutageTests
{
    [Fact]
    public async Task Revocation_WhileRabbitMqIsDown_ReachesProjectionWhenItReturns()
    {
        await using var broker = await PrivateRabbitMq.StartAsync();
        await using var cluster = await PlatformCluster.StartAsync("outage", broker.Uri);
        var client = await cluster.RegisterClientAsync(new { clientId = $"outage-{Guid.NewGuid():N}", scopes = new[] { "api" } });
        var token = await cluster.GetTokenAsync(client, "api");
        await cluster.WaitForActiveAsync(token, active: true);

        await broker.StopServerAsync();
        using (var http = cluster.CreateClient())
        using (var revoke = new HttpRequestMessage(HttpMethod.Post, "connect/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        })
        {
            revoke.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
            using var response = await http.SendAsync(revoke);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await broker.StartServerAsync();

        var inactive = await cluster.WaitForActiveAsync(token, active: false, within: TimeSpan.FromSeconds(90));
        Assert.False(inactive.GetProperty("active").GetBoolean());
    }
}
