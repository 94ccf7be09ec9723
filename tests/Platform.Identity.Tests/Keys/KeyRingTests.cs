using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Platform.Identity.Keys;
using Platform.Testing;
using Xunit;

namespace Platform.Identity.Tests.Keys;

/// <summary>The key ring on PostgreSQL with a clock the test moves: rotation without waiting for it.</summary>
public sealed class KeyRingTests : IAsyncLifetime
{
    private static readonly KeyRotationPolicy Policy = new()
    {
        RotationInterval = TimeSpan.FromDays(30),
        PublishAhead = TimeSpan.FromDays(2),
        RetainAfterRotation = TimeSpan.FromDays(10),
    };

    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private NpgsqlDataSource dataSource = null!;

    public async Task InitializeAsync() => dataSource = NpgsqlDataSource.Create(await TestServers.CreateDatabaseAsync("keys"));

    public async Task DisposeAsync() => await dataSource.DisposeAsync();

    [Fact]
    public async Task Rotation_PublishesNextKeyBeforeUseThenSignsWithIt()
    {
        using var ring = new KeyRing(dataSource, Policy, clock);
        var first = await ring.GetAsync();
        Assert.Single(first.PublishedSigningKeys);

        clock.Advance(TimeSpan.FromDays(28));
        var ahead = await ring.RefreshAsync();
        Assert.Equal(first.Signing.KeyId, ahead.Signing.KeyId);
        Assert.Equal(2, ahead.PublishedSigningKeys.Count);
        var next = ahead.PublishedSigningKeys.Single(key => key.KeyId != first.Signing.KeyId);

        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(first.Signing.KeyId, (await ring.RefreshAsync()).Signing.KeyId);

        clock.Advance(TimeSpan.FromDays(1));
        var rotated = await ring.RefreshAsync();
        Assert.Equal(next.KeyId, rotated.Signing.KeyId);
        Assert.Contains(rotated.PublishedSigningKeys, key => key.KeyId == first.Signing.KeyId);
        Assert.NotEqual(first.Encryption.KeyId, rotated.Encryption.KeyId);
        Assert.Contains(rotated.EncryptionKeys, key => key.KeyId == first.Encryption.KeyId);

        clock.Advance(TimeSpan.FromDays(10));
        var retired = await ring.RefreshAsync();
        Assert.DoesNotContain(retired.PublishedSigningKeys, key => key.KeyId == first.Signing.KeyId);
        Assert.DoesNotContain(retired.EncryptionKeys, key => key.KeyId == first.Encryption.KeyId);
    }

    [Fact]
    public async Task Refresh_KeysChanged_FiresTheChangeToken()
    {
        using var ring = new KeyRing(dataSource, Policy, clock);
        await ring.GetAsync();
        var token = ring.GetChangeToken();

        await ring.RefreshAsync();
        Assert.False(token.HasChanged);

        clock.Advance(TimeSpan.FromDays(29));
        await ring.RefreshAsync();
        Assert.True(token.HasChanged);
    }

    [Fact]
    public async Task TwoReplicas_SameClock_AgreeOnTheKeys()
    {
        using var one = new KeyRing(dataSource, Policy, clock);
        using var two = new KeyRing(dataSource, Policy, clock);
        var loaded = await Task.WhenAll(one.GetAsync(), two.GetAsync());

        Assert.Equal(loaded[0].Signing.KeyId, loaded[1].Signing.KeyId);
        Assert.Equal(loaded[0].Encryption.KeyId, loaded[1].Encryption.KeyId);
    }
}
