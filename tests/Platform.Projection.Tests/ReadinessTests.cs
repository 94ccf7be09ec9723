using JasperFx.Events;
using Marten;
using Marten.Services;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Contracts;
using Platform.Contracts.Events;
using Platform.Projection.Consuming;
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
        await using var replica = await Replica.StartAsync(postgres);

        using var writers = DocumentStore.For(options => EventStore.ConfigureEventStore(options, postgres));
        var stored = await RevokeAsync(writers, SessionOptions.ForConnectionString(postgres));

        await replica.WaitForReadyAsync(ready: false);

        await replica.ApplyAsync(stored);

        await replica.WaitForReadyAsync(ready: true);
    }

    /// <summary>
    /// Sequence numbers are taken before commit: a revocation whose transaction took its number first and commits
    /// last appears below revocations the replica already read (and past a stretch of other events). It is still
    /// read, and the replica stays unready until it applied it.
    /// </summary>
    [Fact]
    public async Task Ready_RevocationCommittedAfterLaterEvents_UnreadyUntilApplied()
    {
        var postgres = await TestServers.CreateDatabaseAsync("readiness_late");
        using var writers = DocumentStore.For(options => EventStore.ConfigureEventStore(options, postgres));
        // As a writer's start-up does: the event store and the revocation index the poll reads.
        await writers.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var replica = await Replica.StartAsync(postgres);

        await using var lateConnection = new NpgsqlConnection(postgres);
        await lateConnection.OpenAsync();
        await using var lateTransaction = await lateConnection.BeginTransactionAsync();
        var late = await RevokeAsync(writers, SessionOptions.ForTransaction(lateTransaction));

        await using (var session = writers.LightweightSession())
        {
            foreach (var i in Enumerable.Range(0, 50))
            {
                session.Events.Append($"scope-{i}", new ScopeDefined($"scope-{i}", $"scope-{i}", $"Scope {i}", null, [], DateTimeOffset.UtcNow));
            }

            await session.SaveChangesAsync();
        }

        var earlier = await RevokeAsync(writers, SessionOptions.ForConnectionString(postgres));
        Assert.True(late.Sequence < earlier.Sequence, $"the open transaction's revocation took {late.Sequence}, the committed one {earlier.Sequence}");
        await replica.WaitForReadyAsync(ready: false);
        await replica.ApplyAsync(earlier);
        await replica.WaitForReadyAsync(ready: true);

        await lateTransaction.CommitAsync();

        await replica.WaitForReadyAsync(ready: false);
        Assert.False(replica.Freshness.IsFresh);
        await replica.ApplyAsync(late);
        await replica.WaitForReadyAsync(ready: true);
    }

    private static async Task<IEvent> RevokeAsync(IDocumentStore writers, SessionOptions options)
    {
        var tokenId = Guid.CreateVersion7().ToString();
        await using var session = writers.LightweightSession(options);
        session.Events.Append(tokenId, new TokenRevoked(tokenId, RevocationReasons.Admin, DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
        return (await session.Events.FetchStreamAsync(tokenId)).Single();
    }

    /// <summary>
    /// A projection replica (MaxLag one second) on a RabbitMQ of its own, and a bus that delivers as the relay does.
    /// On the shared broker every other test's revocations reach this replica's eviction queue too (the exchanges are
    /// fan-outs named by event), and one whose sequence number equals this test's would count as applied here.
    /// </summary>
    private sealed class Replica : IAsyncDisposable
    {
        private readonly PrivateRabbitMq broker;
        private readonly WebApplicationFactory<Program> factory;
        private readonly HttpClient http;
        private readonly ServiceProvider publisherServices;
        private readonly IBusControl publisher;

        private Replica(PrivateRabbitMq broker, WebApplicationFactory<Program> factory, ServiceProvider publisherServices)
        {
            this.broker = broker;
            this.factory = factory;
            http = factory.CreateClient();
            this.publisherServices = publisherServices;
            publisher = publisherServices.GetRequiredService<IBusControl>();
        }

        public ReplicaFreshness Freshness => factory.Services.GetRequiredService<ReplicaFreshness>();

        public static async Task<Replica> StartAsync(string postgres)
        {
            var broker = await PrivateRabbitMq.StartAsync();
            var rabbitMq = broker.Uri;
            var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host => host
                .UseSetting("ConnectionStrings:Postgres", postgres)
                .UseSetting("ConnectionStrings:RabbitMq", rabbitMq)
                .UseSetting("Platform:Issuer", "http://localhost/")
                .UseSetting("Platform:Projection:MaxLag", "00:00:01")
                .UseSetting("Platform:Bus:QueuePrefix", $"readiness-tests-{Guid.NewGuid():N}"));
            var publisherServices = new ServiceCollection()
                .AddMassTransit(bus => bus.UsingRabbitMq((_, rabbit) =>
                {
                    rabbit.Host(new Uri(rabbitMq));
                    rabbit.MessageTopology.SetEntityNameFormatter(new CatalogueEntityNames(rabbit.MessageTopology.EntityNameFormatter));
                }))
                .BuildServiceProvider();
            var replica = new Replica(broker, factory, publisherServices);
            await replica.WaitForReadyAsync(ready: true);
            await replica.publisher.StartAsync();
            return replica;
        }

        /// <summary>Publishes the stored revocation as the relay would; the replica's eviction queue applies it.</summary>
        public Task ApplyAsync(IEvent stored) =>
            publisher.Publish(new EventEnvelope<TokenRevoked>(
                stored.StreamKey!, stored.Version, stored.Sequence, stored.Timestamp, null, "token_revoked", (TokenRevoked)stored.Data));

        public async Task WaitForReadyAsync(bool ready)
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

        public async ValueTask DisposeAsync()
        {
            await publisher.StopAsync();
            await publisherServices.DisposeAsync();
            http.Dispose();
            await factory.DisposeAsync();
            await broker.DisposeAsync();
        }
    }
}
