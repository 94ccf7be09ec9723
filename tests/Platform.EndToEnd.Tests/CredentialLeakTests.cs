using System.Net;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// No bearer credential leaves the place it belongs: not the token, not the client secret, in no event,
/// no service log, and no message on the bus.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CredentialLeakTests(ClusterFixture fixture)
{
    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task TokenLife_EventsLogsAndMessages_HoldNoRawCredential()
    {
        await using var tap = await BusTap.OpenAsync(Cluster.RabbitMq);
        var client = await Cluster.RegisterClientAsync(new { clientId = $"leak-{Guid.NewGuid():N}", scopes = new[] { "api" } });
        var token = await Cluster.GetTokenAsync(client, "api");
        var tokenId = (await Cluster.WaitForActiveAsync(token, active: true)).GetProperty("jti").GetString()!;

        using (var http = Cluster.CreateClient())
        using (var revoke = new HttpRequestMessage(HttpMethod.Post, "connect/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        })
        {
            revoke.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
            using var response = await http.SendAsync(revoke);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await Cluster.WaitForActiveAsync(token, active: false);
        await tap.WaitForAsync(body => body.Contains(tokenId, StringComparison.Ordinal) && body.Contains("token_revoked", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        string[] credentials = [token, client.Secret, .. Cluster.SeededSecrets];
        var events = await EventStoreReader.AllEventDataAsync(Cluster.Postgres);
        Assert.Contains(tokenId, events, StringComparison.Ordinal);
        foreach (var credential in credentials)
        {
            Assert.DoesNotContain(credential, events, StringComparison.Ordinal);
            Assert.All(tap.Bodies, body => Assert.DoesNotContain(credential, body, StringComparison.Ordinal));
            Assert.All(Cluster.Services, service => Assert.DoesNotContain(credential, service.Output, StringComparison.Ordinal));
        }
    }
}
