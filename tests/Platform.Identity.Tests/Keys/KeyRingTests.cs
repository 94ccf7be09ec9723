using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
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

    /// <summary>
    /// Replicas look at the schedule on their own (every CheckInterval), so around a rotation one may already encrypt
    /// with the next key while another still encrypts with the current one: each must read the other's tokens.
    /// </summary>
    [Fact]
    public async Task NextEncryptionKey_PublishedAhead_DecryptsBeforeItIsUsed_TheActiveOneStillEncrypts()
    {
        using var ring = new KeyRing(dataSource, Policy, clock);
        var first = await ring.GetAsync();
        clock.Advance(TimeSpan.FromDays(28));
        var lagging = await ring.RefreshAsync();
        clock.Advance(TimeSpan.FromDays(2));
        var switched = await ring.RefreshAsync();
        Assert.Equal(first.Encryption.KeyId, lagging.Encryption.KeyId);
        Assert.NotEqual(first.Encryption.KeyId, switched.Encryption.KeyId);

        // OpenIddict encrypts with the first of the encryption credentials: the active key, not the next one.
        Assert.Equal(lagging.Encryption.KeyId, lagging.EncryptionKeys[0].KeyId);
        Assert.Equal(switched.Encryption.KeyId, switched.EncryptionKeys[0].KeyId);

        var handler = new JsonWebTokenHandler();
        foreach (var (writer, reader) in new[] { (switched, lagging), (lagging, switched) })
        {
            var signing = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
            var jwe = handler.CreateToken(new SecurityTokenDescriptor
            {
                Subject = new ClaimsIdentity([new Claim("sub", "alice")]),
                Issuer = "https://issuer.example",
                SigningCredentials = new SigningCredentials(signing, SecurityAlgorithms.HmacSha256),
                EncryptingCredentials = new EncryptingCredentials(writer.Encryption, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512),
            });
            var read = await handler.ValidateTokenAsync(jwe, new TokenValidationParameters
            {
                ValidIssuer = "https://issuer.example",
                ValidateAudience = false,
                IssuerSigningKey = signing,
                TokenDecryptionKeys = reader.EncryptionKeys,
            });
            Assert.True(read.IsValid, $"a token encrypted with {writer.Encryption.KeyId} was not read with [{string.Join(", ", reader.EncryptionKeys.Select(k => k.KeyId))}]: {read.Exception?.Message}");
        }
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
