using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.Events;
using Platform.Identity.Clients;
using Platform.Projection.ReadModel;
using Platform.ServiceDefaults;
using Platform.Testing;
using Xunit;

namespace Platform.Projection.Tests.Operations;

/// <summary>
/// Introspection's counters, latency histogram and cache counters, read as a dashboard reads them: each answer
/// adds one to the series of its token kind and result, and a hot token is a cache hit. On a broker of its own, so
/// that no other test's events clear the replica's caches between two introspections.
/// </summary>
public sealed class IntrospectionMetricsTests(ProjectionFixtureOnOwnBroker fixture) : IClassFixture<ProjectionFixtureOnOwnBroker>
{
    private MeterCapture Capture() => new(fixture.Services.GetRequiredService<IMeterFactory>(), PlatformMeters.Projection);

    [Fact]
    public async Task Introspect_ActiveTokenTwice_TwoActiveAccessTokenAnswersTimedAndTheSecondFromCache()
    {
        var caller = await RegisterCallerAsync();
        var (tokenId, token) = await IssueAsync(caller.ClientId);
        // Answers come from the read model and its cache only while the replica can show it is fresh (bus
        // connected, no revocation pending over the bound); otherwise from the writers' documents, which this
        // test's bus-only token is not in. Measure on a ready replica.
        await Eventually.HoldsAsync(async () => (await fixture.Http.GetAsync("health/ready")).IsSuccessStatusCode, "the projection replica to be ready");
        using var capture = Capture();

        Assert.Equal(HttpStatusCode.OK, (await IntrospectAsync(caller.ClientId, caller.Secret, token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await IntrospectAsync(caller.ClientId, caller.Secret, token)).StatusCode);

        Assert.Equal(2, capture.Sum("platform.tokens.introspected", ("platform.token.kind", "access_token"), ("platform.result", "active")));
        Assert.Equal(2, capture.Count("platform.introspection.duration", ("platform.result", "active")));
        Assert.True(capture.Sum("platform.cache.hits", ("platform.cache.name", "token")) >= 1, "The second introspection of a hot token was not a cache hit.");
        Assert.True(capture.Sum("platform.cache.hits", ("platform.cache.name", "caller")) >= 1, "The caller was not found in its cache the second time.");
        Assert.All(capture.All, measurement => Assert.All(measurement.Tags.Values, value =>
        {
            Assert.DoesNotContain(token, value ?? "", StringComparison.Ordinal);
            Assert.DoesNotContain(caller.Secret, value ?? "", StringComparison.Ordinal);
        }));
        Assert.NotNull(tokenId);
    }

    [Fact]
    public async Task Introspect_UnknownTokenAndWrongSecret_InactiveAndInvalidClientCounted()
    {
        var caller = await RegisterCallerAsync();
        using var capture = Capture();

        Assert.Equal(HttpStatusCode.OK, (await IntrospectAsync(caller.ClientId, caller.Secret, PlatformCluster.NewSecret())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await IntrospectAsync(caller.ClientId, PlatformCluster.NewSecret(), PlatformCluster.NewSecret())).StatusCode);

        Assert.Equal(1, capture.Sum("platform.tokens.introspected", ("platform.token.kind", "unknown"), ("platform.result", "inactive")));
        Assert.Equal(1, capture.Sum("platform.tokens.introspected", ("platform.result", "invalid_client")));
        Assert.Equal(0, capture.Sum("platform.tokens.introspected", ("platform.result", "active")));
    }

    [Fact]
    public async Task ProjectionLag_CaughtUpReplica_ZeroEventsAndSeconds()
    {
        using var capture = Capture();

        await Eventually.HoldsAsync(() => capture.Observe("platform.projection.lag.events") == 0, "the projection lag in events to read zero");
        Assert.Equal(0, capture.Observe("platform.projection.lag.seconds"));
    }

    private async Task<(string ClientId, string Secret)> RegisterCallerAsync()
    {
        var applicationId = $"api-{Guid.NewGuid():N}";
        var secret = PlatformCluster.NewSecret();
        var sequence = await fixture.PublishAsync(applicationId, 1, new ClientRegistered(
            applicationId, applicationId, applicationId, "confidential", "web", "explicit", [], [], ["ept:introspection", "scp:platform.admin"],
            [], new Dictionary<string, string>(), ClientSecrets.Hash(secret), DateTimeOffset.UtcNow));
        await fixture.WaitForViewAsync<ClientView>(applicationId, view => view.SecretHash is not null);
        // The consumer clears the cached callers just after it stores the view: done before the test's first
        // introspection caches this caller, or it would empty the cache between the two.
        await fixture.WaitForConsumedAsync(sequence);
        return (applicationId, secret);
    }

    private async Task<(string TokenId, string Token)> IssueAsync(string audience)
    {
        var (tokenId, token) = (Guid.CreateVersion7().ToString(), PlatformCluster.NewSecret());
        var now = DateTimeOffset.UtcNow;
        var sequence = await fixture.PublishAsync(tokenId, 1, new TokenIssued(
            tokenId, TokenKinds.AccessToken, "shop-app", "shop", null, "shop", ["api"], [audience],
            now, now.AddMinutes(15), null, Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token))), "valid"));
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.LastSequence == sequence);
        return (tokenId, token);
    }

    private async Task<HttpResponseMessage> IntrospectAsync(string clientId, string secret, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(clientId, secret);
        return await fixture.Http.SendAsync(request);
    }
}
