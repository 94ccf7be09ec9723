using Platform.Testing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>
/// The seed file creates what is missing and leaves what exists: restarting the service with the same
/// file (every deployment does) registers nothing twice.
/// </summary>
public sealed class SeedingTests
{
    [Fact]
    public async Task SeedFile_AppliedByTwoStartsOnOneDatabase_RegistersEachClientAndScopeOnce()
    {
        var rabbitMq = await TestServers.RabbitMqAsync();
        var postgres = await TestServers.CreateDatabaseAsync("authorization_seed");
        (string Id, string Secret) admin = ($"admin-{Guid.NewGuid():N}", PlatformCluster.NewSecret());
        (string Id, string Secret) worker = ($"worker-{Guid.NewGuid():N}", PlatformCluster.NewSecret());
        using var seed = SeedFileOnDisk.Write(AuthorizationServiceFixture.SeedOf(admin, worker));

        await using (AuthorizationServiceFixture.StartHost(postgres, rabbitMq, seed.Path))
        {
        }

        var afterFirstStart = await EventStoreReader.LastSequenceAsync(postgres);
        await using (AuthorizationServiceFixture.StartHost(postgres, rabbitMq, seed.Path))
        {
        }

        var clients = await EventStoreReader.EventsOfTypeAsync(postgres, "client_registered");
        Assert.Equal([admin.Id, worker.Id], clients.Select(e => e.Data.GetProperty("clientId").GetString()!).Order());
        var scopes = await EventStoreReader.EventsOfTypeAsync(postgres, "scope_defined");
        Assert.Equal([AuthorizationServiceFixture.OrdersScope, AuthorizationServiceFixture.AdminScope], scopes.Select(e => e.Data.GetProperty("name").GetString()!).Order());
        Assert.Equal(afterFirstStart, await EventStoreReader.LastSequenceAsync(postgres));
    }
}
