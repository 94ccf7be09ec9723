using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.Reliability.Tests;

/// <summary>
/// PostgreSQL stopped under a running Platform. An outage of the database is not the client's fault: every service
/// answers 503 with <c>Retry-After</c> (RFC 6749's <c>temporarily_unavailable</c> on the OAuth endpoints, a page for
/// a browser), never 500, and introspection never calls a token inactive (or active) because it cannot read; the
/// log names the outage without a credential. Once PostgreSQL is back, tokens are issued again.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class DatabaseOutageTests(ReliabilityFixture fixture)
{
    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task PostgresStopped_EveryService_503RetryAfterThenServesAgain()
    {
        var hot = await Cluster.GetTokenAsync(fixture.Client, "api");
        var admin = await Cluster.GetTokenAsync(Cluster.Admin, "platform.admin");
        // A projection replica that keeps its callers for long, so that during the outage the caller is known without
        // the database and the answer depends on the token's look-up alone. Introspected once, the token is in its cache.
        await using var replica = ServiceProcess.Start("Platform.Projection", ServiceProcess.FreePort(),
            new Dictionary<string, string?>(Cluster.EnvironmentOf("Platform.Projection")) { ["Platform__Identity__LookupLifetime"] = "01:00:00" });
        await replica.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        using var direct = new HttpClient { BaseAddress = replica.Address, Timeout = TimeSpan.FromSeconds(30) };
        await Eventually.HoldsAsync(async () => await IsActiveAsync(direct, hot), "the hot token active at the replica");
        var projections = Cluster.Services.Where(service => service.Name == "Platform.Projection" && !service.HasExited).Append(replica).ToList();
        using var http = Cluster.CreateClient();

        await fixture.Postgres.StopServerAsync();
        try
        {
            await AssertUnavailableAsync(await http.SendAsync(TokenRequest()), json: true);

            // A projection answers from its cache only while it can show it is fresh, which needs the store readable
            // (ReplicaFreshness reads it every 200 ms, and a read may take its connection timeout to fail); once it has
            // noticed, neither the cache nor anything else answers. Its readiness may fail sooner (the database check).
            foreach (var projection in projections)
            {
                await Eventually.HoldsAsync(async () => !await IsReadyAsync(projection) && await UnavailableAtAsync(projection, hot),
                    $"the projection on {projection.Address} to notice that the store is unreadable");
            }

            await AssertUnavailableAsync(await direct.SendAsync(Introspection(hot)), json: true);
            await AssertUnavailableAsync(await direct.SendAsync(Introspection("never-issued")), json: true);
            await AssertUnavailableAsync(await http.SendAsync(Introspection(hot)), json: true);

            // The authorization service in a browser: an unknown client must be looked up.
            using var authorize = new HttpRequestMessage(HttpMethod.Get,
                $"connect/authorize?client_id=outage-{Guid.NewGuid():N}&response_type=code&scope=openid&redirect_uri={Uri.EscapeDataString(Cluster.Web.RedirectUri.AbsoluteUri)}");
            authorize.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
            await AssertUnavailableAsync(await http.SendAsync(authorize), json: false);

            // The profile service's administration API.
            using var users = new HttpRequestMessage(HttpMethod.Get, "admin/users");
            users.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            await AssertUnavailableAsync(await http.SendAsync(users), json: true);
        }
        finally
        {
            await fixture.Postgres.StartServerAsync();
        }

        await Eventually.HoldsAsync(async () =>
        {
            using var answer = await http.SendAsync(TokenRequest());
            return answer.StatusCode == HttpStatusCode.OK;
        }, "a token issued again once PostgreSQL started", TimeSpan.FromSeconds(120));
        await Cluster.WaitForActiveAsync(hot, active: true, caller: Cluster.Api, within: TimeSpan.FromSeconds(120));
        foreach (var service in Cluster.Services.Where(service => !service.HasExited))
        {
            await service.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        }

        var token = Running("Platform.Token");
        await Eventually.HoldsAsync(() => token.Output.Contains("answered 503: the database is unavailable", StringComparison.Ordinal),
            "the token service's warning about the outage");
        var secrets = Cluster.SeededSecrets.Append(fixture.Client.Secret).Append(hot).Append(admin).ToList();
        foreach (var service in Cluster.Services.Append(replica))
        {
            Assert.DoesNotContain(secrets, secret => service.Output.Contains(secret, StringComparison.Ordinal));
        }
    }

    private ServiceProcess Running(string name) => Cluster.Services.First(service => service.Name == name && !service.HasExited);

    private HttpRequestMessage TokenRequest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "api" }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(fixture.Client.Id, fixture.Client.Secret);
        return request;
    }

    private HttpRequestMessage Introspection(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(Cluster.Api.Id, Cluster.Api.Secret);
        return request;
    }

    private async Task<bool> IsActiveAsync(HttpClient http, string token)
    {
        using var answer = await http.SendAsync(Introspection(token));
        return answer.IsSuccessStatusCode && JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("active").GetBoolean();
    }

    private async Task<bool> UnavailableAtAsync(ServiceProcess service, string token)
    {
        using var http = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(30) };
        using var answer = await http.SendAsync(Introspection(token));
        return answer.StatusCode == HttpStatusCode.ServiceUnavailable;
    }

    private static async Task<bool> IsReadyAsync(ServiceProcess service)
    {
        using var http = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(10) };
        using var answer = await http.GetAsync("health/ready");
        return answer.IsSuccessStatusCode;
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage answer, bool json)
    {
        using (answer)
        {
            var path = answer.RequestMessage!.RequestUri!.AbsolutePath;
            var body = await answer.Content.ReadAsStringAsync();
            Assert.True(answer.StatusCode == HttpStatusCode.ServiceUnavailable, $"{path} answered {(int)answer.StatusCode} during the outage: {body}");
            Assert.True(answer.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{path} answered 503 without a Retry-After in seconds.");
            if (json)
            {
                var error = JsonDocument.Parse(body).RootElement;
                Assert.Equal("temporarily_unavailable", error.GetProperty("error").GetString());
                Assert.False(string.IsNullOrEmpty(error.GetProperty("error_description").GetString()));
            }
            else
            {
                Assert.Equal("text/html", answer.Content.Headers.ContentType?.MediaType);
            }
        }
    }
}
