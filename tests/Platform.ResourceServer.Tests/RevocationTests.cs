using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Platform.ResourceServer.Revocations;
using Platform.Testing;
using Xunit;

namespace Platform.ResourceServer.Tests;

/// <summary>A revoked token is refused: at once when its answer is not cached, within the cache's maximum age when it is.</summary>
[Collection(ResourceServerCollection.Name)]
public sealed class RevocationTests(ResourceServerFixture fixture)
{
    [Fact]
    public async Task ListDocuments_WithRevokedTokenNotCached_Answers401InvalidToken()
    {
        using var api = fixture.StartApi(new Dictionary<string, string?> { ["ResourceServer:CacheMaxAge"] = "00:00:00" });
        var token = await fixture.TokenAsync("documents.read");
        using var http = api.CreateClient(token);
        using (var before = await http.GetAsync("/documents"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await fixture.RevokeAsync(token);
        using var after = await http.GetAsync("/documents");

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var challenge = Challenge.Of(after.Headers);
        Assert.Equal("invalid_token", challenge["error"]);
        Assert.Equal("The access token is not active (expired, revoked or unknown).", challenge["error_description"]);
    }

    [Fact]
    public async Task ListDocuments_WithRevokedTokenCached_IsAcceptedNoLongerThanTheCacheMaxAge()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var api = fixture.StartApi(new Dictionary<string, string?> { ["ResourceServer:CacheMaxAge"] = "00:00:05" }, clock);
        var token = await fixture.TokenAsync("documents.read");
        using var http = api.CreateClient(token);
        using (var before = await http.GetAsync("/documents"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await fixture.RevokeAsync(token);
        using (var cached = await http.GetAsync("/documents"))
        {
            // The price of a cache without revocation messages: the answer is reused until its maximum age.
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        }

        clock.Advance(TimeSpan.FromSeconds(5));
        using var after = await http.GetAsync("/documents");

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("invalid_token", Challenge.Of(after.Headers)["error"]);
    }

    [Fact]
    public async Task ListDocuments_WithRevokedTokenCachedAndTheRevocationFeedOn_Answers401RevokedAtOnce()
    {
        using var api = fixture.StartApi(new Dictionary<string, string?>
        {
            ["ResourceServer:CacheMaxAge"] = "00:10:00",
            ["ResourceServer:RevocationFeed:RabbitMq"] = fixture.Cluster.RabbitMq,
        });
        await api.Services.WaitUntilListeningAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var token = await fixture.TokenAsync("documents.read");
        using var http = api.CreateClient(token);
        using (var before = await http.GetAsync("/documents"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await fixture.RevokeAsync(token);

        // Ten minutes of cache, yet refused within seconds: only the revocation message can have done that.
        using var after = await TokenAnswerTests.UntilStatusAsync(http, "/documents", HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30));
        var challenge = Challenge.Of(after.Headers);
        Assert.Equal("invalid_token", challenge["error"]);
        Assert.Equal("The access token was revoked.", challenge["error_description"]);
    }

    [Fact]
    public async Task ListDocuments_WhenTheRevocationFeedLosesItsBroker_ReusesNoCachedAnswer()
    {
        // The feed listens on a broker of its own, which the test stops: a revocation could now pass unheard.
        await using var broker = await PrivateRabbitMq.StartAsync();
        using var api = fixture.StartApi(new Dictionary<string, string?>
        {
            ["ResourceServer:CacheMaxAge"] = "00:10:00",
            ["ResourceServer:RevocationFeed:RabbitMq"] = broker.Uri,
        });
        await api.Services.WaitUntilListeningAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var token = await fixture.TokenAsync("documents.read");
        using var http = api.CreateClient(token);
        using (var before = await http.GetAsync("/documents"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await broker.StopServerAsync();
        var cache = api.Services.GetRequiredService<IntrospectionCache>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!cache.IsSuspended)
        {
            Assert.True(DateTime.UtcNow < deadline, "The cache still reuses answers a minute after the feed lost its broker.");
            await Task.Delay(100);
        }

        await fixture.RevokeAsync(token);
        using var after = await http.GetAsync("/documents");

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("invalid_token", Challenge.Of(after.Headers)["error"]);
    }
}
