using Npgsql;
using Platform.Identity.Keys;
using Platform.Testing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>
/// Replicas that start together on a fresh database (a first deployment) create one signing key between
/// them and publish the same one, so a token signed by either verifies against either's key set.
/// </summary>
public sealed class SigningKeyTests
{
    [Fact]
    public async Task TwoHosts_StartedTogetherOnFreshDatabase_ServeTheSameSigningKey()
    {
        var rabbitMq = await TestServers.RabbitMqAsync();
        var postgres = await TestServers.CreateDatabaseAsync("authorization_keys");
        await using var first = new ServiceHost<Program>(postgres, rabbitMq, $"authorization-tests-{Guid.NewGuid():N}");
        await using var second = new ServiceHost<Program>(postgres, rabbitMq, $"authorization-tests-{Guid.NewGuid():N}");

        await Task.WhenAll(Task.Run(first.StartServer), Task.Run(second.StartServer));

        var keyIds = new List<string>();
        foreach (var host in new[] { first, second })
        {
            using var http = host.CreateClient();
            var jwks = await AuthorizationServiceFixture.GetJsonAsync(http, ".well-known/jwks");
            keyIds.Add(Assert.Single(jwks.GetProperty("keys").EnumerateArray()).GetProperty("kid").GetString()!);
        }

        Assert.Equal(keyIds[0], keyIds[1]);
        Assert.Equal([keyIds[0]], await DiscoveryTests.StoredSigningKeyIdsAsync(postgres));
    }

    /// <summary>
    /// Two whole hosts rarely reach the key table in the same millisecond; many key rings released at once
    /// do, which is what proves the creation lock rather than lucky timing.
    /// </summary>
    [Fact]
    public async Task KeyRings_OfManyReplicasLoadingAtOnceOnFreshDatabase_AgreeOnOneKey()
    {
        var postgres = await TestServers.CreateDatabaseAsync("authorization_keyrings");
        var sources = Enumerable.Range(0, 8).Select(_ => NpgsqlDataSource.Create(postgres)).ToList();
        try
        {
            using var start = new ManualResetEventSlim();
            var loads = sources.Select(source => Task.Run(async () =>
            {
                start.Wait();
                return (await new KeyRing(source).GetAsync()).Signing.KeyId;
            })).ToList();

            start.Set();
            var keyIds = await Task.WhenAll(loads);

            Assert.Single(keyIds.Distinct());
            Assert.Equal([keyIds[0]], await DiscoveryTests.StoredSigningKeyIdsAsync(postgres));
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }
}
