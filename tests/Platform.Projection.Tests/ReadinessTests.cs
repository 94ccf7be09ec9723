using JasperFx.Events;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts;
using Platform.Contracts.Events;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Bus;
using Platform.Testing;
using Xunit;

namespace Platform.Projection.Tests;

/// <summary>
/// A revocation committed in the store and not applied by this replica within Platform:Projection:MaxLag makes the
/// replica unready (and not fresh); applying it makes it ready again.
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_RevocationUnappliedOverBound_UnreadyThenReadyAfterCatchUp()
    {
        var postgres = await TestServers.CreateDatabaseAsync("readiness");
        var rabbitMq = await TestServers.RabbitMqAsync();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host => host
            .UseSetting("ConnectionStrings:Postgres", postgres)
            .UseSetting("ConnectionStrings:RabbitMq", rabbitMq)
            .UseSetting("Platform:Issuer", "http://localhost/")
            .UseSetting("Platform:Projection:MaxLag", "00:00:01")
            .UseSetting("Platform:Bus:QueuePrefix", $"readiness-tests-{Guid.NewGuid():N}"));
        using var http = factory.CreateClient();
        await WaitForReadyAsync(http, ready: true);

        using var writers = DocumentStore.For(options => EventStore.ConfigureEventStore(options, postgres));
        var tokenId = Guid.CreateVersion7().ToString();
        var revoked = new TokenRevoked(tokenId, RevocationReasons.Admin, DateTimeOffset.UtcNow);
        IEvent stored;
        await using (var session = writers.LightweightSession())
        {
            session.Events.Append(tokenId, revoked);
            await session.SaveChangesAsync();
            stored = (await session.Events.FetchStreamAsync(tokenId)).Single();
        }

        await WaitForReadyAsync(http, ready: false);

        await using var publisherServices = new ServiceCollection()
            .AddMassTransit(bus => bus.UsingRabbitMq((_, rabbit) =>
            {
                rabbit.Host(new Uri(rabbitMq));
                rabbit.MessageTopology.SetEntityNameFormatter(new CatalogueEntityNames(rabbit.MessageTopology.EntityNameFormatter));
            }))
            .BuildServiceProvider();
        var publisher = publisherServices.GetRequiredService<IBusControl>();
        await publisher.StartAsync();
        await publisher.Publish(new EventEnvelope<TokenRevoked>(tokenId, stored.Version, stored.Sequence, stored.Timestamp, null, "token_revoked", revoked));

        await WaitForReadyAsync(http, ready: true);
        await publisher.StopAsync();
    }

    private static async Task WaitForReadyAsync(HttpClient http, bool ready)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await http.GetAsync("health/ready");
            if (response.IsSuccessStatusCode == ready)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Readiness did not become {ready}: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(50);
        }
    }
}
