using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Issue 9, item 3: under a burst of issuance every token is a committed event that the relay carries and the
/// projection applies, so each token issued in the burst introspects as active once the projection caught up.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IssuanceBurstTests(ClusterFixture fixture)
{
    private const int Tokens = 500;
    private const int Concurrency = 64;

    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task BurstOfClientCredentials_ThroughGateway_EveryTokenIntrospectsActive()
    {
        // The shared gateway allows 200 token requests a second per address; this one lets the burst through.
        await using var gateway = Cluster.StartGateway(ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["Platform__RateLimits__CredentialsPerSecond"] = "100000",
        });
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = gateway.Address, Timeout = TimeSpan.FromSeconds(60) };
        var client = await Cluster.RegisterClientAsync(new { clientId = $"burst-{Guid.NewGuid():N}", displayName = "Burst", scopes = new[] { "api" } });

        using var gate = new SemaphoreSlim(Concurrency);
        var tokens = await Task.WhenAll(Enumerable.Range(0, Tokens).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                return await TokenAsync(http, client);
            }
            finally
            {
                gate.Release();
            }
        }));

        Assert.Equal(Tokens, tokens.Distinct(StringComparer.Ordinal).Count());

        // Every token must turn active, each polled within one shared bound (the projection catches up in order).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var pending = tokens.ToList();
        while (pending.Count > 0)
        {
            var states = await Task.WhenAll(pending.Select(async token =>
            {
                await gate.WaitAsync();
                try
                {
                    return (Token: token, Active: await ActiveAsync(http, token));
                }
                finally
                {
                    gate.Release();
                }
            }));
            pending = [.. states.Where(state => !state.Active).Select(state => state.Token)];
            if (pending.Count == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{pending.Count} of {Tokens} tokens issued in the burst still introspect inactive after the bound.");
            await Task.Delay(200);
        }
    }

    private static async Task<string> TokenAsync(HttpClient http, (string Id, string Secret) client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "api" }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Token request in the burst failed: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private async Task<bool> ActiveAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(Cluster.Admin.Id, Cluster.Admin.Secret);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("active").GetBoolean();
    }
}
