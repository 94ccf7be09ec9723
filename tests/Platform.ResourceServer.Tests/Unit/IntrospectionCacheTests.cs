using System.Security.Claims;
using Microsoft.Extensions.Time.Testing;
using Platform.ResourceServer.Introspection;
using Xunit;

namespace Platform.ResourceServer.Tests.Unit;

public sealed class IntrospectionCacheTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private TokenVerdict.Accepted Accepted(string tokenId, TimeSpan expiresIn) =>
        new(new ClaimsIdentity("Bearer"), tokenId, clock.GetUtcNow() + expiresIn);

    [Fact]
    public void Find_WithinMaxAgeAndBeforeExpiry_ReusesTheAnswer()
    {
        var cache = new IntrospectionCache(clock);
        var accepted = Accepted("t1", TimeSpan.FromMinutes(10));
        cache.Store("k", accepted, MaxAge, 10, cache.Revision);

        clock.Advance(MaxAge - TimeSpan.FromSeconds(1));

        Assert.Same(accepted, cache.Find("k"));
    }

    [Fact]
    public void Find_AfterMaxAge_AsksAgain()
    {
        var cache = new IntrospectionCache(clock);
        cache.Store("k", Accepted("t1", TimeSpan.FromMinutes(10)), MaxAge, 10, cache.Revision);

        clock.Advance(MaxAge);

        Assert.Null(cache.Find("k"));
    }

    [Fact]
    public void Find_AfterTheTokensExpiryBeforeMaxAge_SaysExpired()
    {
        var cache = new IntrospectionCache(clock);
        cache.Store("k", Accepted("t1", TimeSpan.FromSeconds(10)), MaxAge, 10, cache.Revision);

        clock.Advance(TimeSpan.FromSeconds(10));

        var rejected = Assert.IsType<TokenVerdict.Rejected>(cache.Find("k"));
        Assert.Equal("The access token expired at 2026-11-28T12:00:10Z.", rejected.Description);
    }

    [Fact]
    public void Revoke_ACachedTokenById_RefusesItAsRevoked()
    {
        var cache = new IntrospectionCache(clock);
        cache.Store("k", Accepted("t1", TimeSpan.FromMinutes(10)), MaxAge, 10, cache.Revision);

        cache.Revoke("t1");

        Assert.Equal(TokenVerdict.Revoked, cache.Find("k"));
    }

    [Fact]
    public void Store_WhenARevocationArrivedWhileIntrospecting_KeepsNothing()
    {
        var cache = new IntrospectionCache(clock);
        var before = cache.Revision;
        cache.Revoke("t1");

        cache.Store("k", Accepted("t1", TimeSpan.FromMinutes(10)), MaxAge, 10, before);

        Assert.Null(cache.Find("k"));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Suspend_ForgetsEverythingAndReusesNothingUntilResumed()
    {
        var cache = new IntrospectionCache(clock);
        cache.Store("k", Accepted("t1", TimeSpan.FromMinutes(10)), MaxAge, 10, cache.Revision);

        cache.Suspend();
        cache.Store("k2", Accepted("t2", TimeSpan.FromMinutes(10)), MaxAge, 10, cache.Revision);

        Assert.Null(cache.Find("k"));
        Assert.Null(cache.Find("k2"));
        cache.Resume();
        cache.Store("k2", Accepted("t2", TimeSpan.FromMinutes(10)), MaxAge, 10, cache.Revision);
        Assert.NotNull(cache.Find("k2"));
    }

    [Fact]
    public void Store_WhenFull_SweepsWhatIsNoLongerUsefulAndOtherwiseKeepsNothingNew()
    {
        var cache = new IntrospectionCache(clock);
        cache.Store("old", Accepted("t1", TimeSpan.FromMinutes(10)), MaxAge, 1, cache.Revision);

        cache.Store("new", Accepted("t2", TimeSpan.FromMinutes(10)), MaxAge, 1, cache.Revision);
        Assert.Null(cache.Find("new"));

        clock.Advance(MaxAge);
        cache.Store("new", Accepted("t2", TimeSpan.FromMinutes(10)), MaxAge, 1, cache.Revision);
        Assert.NotNull(cache.Find("new"));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void KeyOf_IsAHashNotTheToken()
    {
        var token = Platform.Testing.PlatformCluster.NewSecret();

        var key = IntrospectionCache.KeyOf("Bearer", token);

        Assert.DoesNotContain(token, key, StringComparison.Ordinal);
        Assert.Equal(key, IntrospectionCache.KeyOf("Bearer", token));
    }
}
