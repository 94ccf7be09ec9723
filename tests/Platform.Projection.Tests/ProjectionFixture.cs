using System.Collections.Concurrent;
using Marten;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts;
using Platform.ServiceDefaults.Bus;
using Platform.Testing;
using Xunit;

namespace Platform.Projection.Tests;

/// <summary>
/// The projection service on real PostgreSQL and RabbitMQ, fed by a bus of the test's own that publishes
/// envelopes exactly as a writer's relay does.
/// </summary>
public class ProjectionFixture : IAsyncLifetime
{
    private readonly bool ownBroker;
    private readonly ConsumedMessages consumed = new();
    private readonly ConcurrentDictionary<long, Guid> messageIds = new();
    private PrivateRabbitMq? broker;
    private WebApplicationFactory<Program> factory = null!;
    private ServiceProvider publisherServices = null!;
    private IBusControl publisher = null!;
    private long sequence;

    public ProjectionFixture()
        : this(ownBroker: false)
    {
    }

    /// <param name="ownBroker">On a RabbitMQ of the fixture's own rather than the one the tests share.</param>
    protected ProjectionFixture(bool ownBroker) => this.ownBroker = ownBroker;

    public HttpClient Http { get; private set; } = null!;
    public IDocumentStore ReadModel => factory.Services.GetRequiredService<IDocumentStore>();
    public IServiceProvider Services => factory.Services;

    public async Task InitializeAsync()
    {
        var postgres = await TestServers.CreateDatabaseAsync("projection");
        var rabbitMq = ownBroker ? (broker = await PrivateRabbitMq.StartAsync()).Uri : await TestServers.RabbitMqAsync();
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(host => host
            .UseSetting("ConnectionStrings:Postgres", postgres)
            .UseSetting("ConnectionStrings:RabbitMq", rabbitMq)
            .UseSetting("Platform:Issuer", "http://localhost/")
            .UseSetting("Platform:Bus:QueuePrefix", $"projection-tests-{Guid.NewGuid():N}"));
        Http = factory.CreateClient();
        factory.Services.GetRequiredService<IBus>().ConnectConsumeObserver(consumed);
        await WaitUntilReadyAsync();

        publisherServices = new ServiceCollection()
            .AddMassTransit(bus => bus.UsingRabbitMq((_, rabbit) =>
            {
                rabbit.Host(new Uri(rabbitMq));
                rabbit.MessageTopology.SetEntityNameFormatter(new CatalogueEntityNames(rabbit.MessageTopology.EntityNameFormatter));
            }))
            .BuildServiceProvider();
        publisher = publisherServices.GetRequiredService<IBusControl>();
        await publisher.StartAsync();
    }

    /// <summary>Ready means the consumers' queues are bound: only then is a published event sure to arrive.</summary>
    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var ready = await Http.GetAsync("health/ready");
            if (ready.IsSuccessStatusCode)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The projection service was not ready: {await ready.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Publishes <paramref name="event"/> as the relay would, and returns its global sequence.</summary>
    public async Task<long> PublishAsync<TEvent>(string streamId, long streamVersion, TEvent @event, long? atSequence = null) where TEvent : class
    {
        var assigned = atSequence ?? Interlocked.Increment(ref sequence) + 1_000;
        var messageId = NewId.NextGuid();
        messageIds[assigned] = messageId;
        await publisher.Publish(new EventEnvelope<TEvent>(streamId, streamVersion, assigned, DateTimeOffset.UtcNow, null,
            EventCatalogue.Of(typeof(TEvent)).StoredName, @event), context => context.MessageId = messageId);
        return assigned;
    }

    /// <summary>Publishes events of one paged kind as one relay page (<see cref="EventPage{TEvent}"/>), in the order given.</summary>
    public async Task PublishPageAsync<TEvent>(IReadOnlyList<(string StreamId, long StreamVersion, TEvent Event, long Sequence)> events) where TEvent : class
    {
        Assert.True(EventCatalogue.Of(typeof(TEvent)).Paged, $"{typeof(TEvent).Name} is not relayed in pages.");
        var storedName = EventCatalogue.Of(typeof(TEvent)).StoredName;
        await publisher.Publish(new EventPage<TEvent>([.. events.Select(e =>
            new EventEnvelope<TEvent>(e.StreamId, e.StreamVersion, e.Sequence, DateTimeOffset.UtcNow, null, storedName, e.Event))]));
    }

    /// <summary>
    /// Waits until a consumer of the service has finished with the event published at <paramref name="sequence"/>:
    /// not only its view written but all its consumer does after the write (a client's event clears the cached
    /// introspection callers once its view is stored). For an event consumed one by one, on one of the service's queues.
    /// </summary>
    public Task WaitForConsumedAsync(long sequence) =>
        Eventually.HoldsAsync(() => consumed.Ids.ContainsKey(messageIds[sequence]), $"the service to finish consuming the event at sequence {sequence}");

    /// <summary>Waits until the read model holds a view of <paramref name="id"/> that satisfies <paramref name="condition"/>.</summary>
    public async Task<TView> WaitForViewAsync<TView>(string id, Func<TView, bool> condition) where TView : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var session = ReadModel.QuerySession();
            if (await session.LoadAsync<TView>(id) is { } view && condition(view))
            {
                return view;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The read model did not reach the expected state of {typeof(TView).Name} {id}.");
            }

            await Task.Delay(25);
        }
    }

    public async Task DisposeAsync()
    {
        await publisher.StopAsync();
        await publisherServices.DisposeAsync();
        Http.Dispose();
        await factory.DisposeAsync();
        if (broker is not null)
        {
            await broker.DisposeAsync();
        }
    }

    /// <summary>The ids of the messages the service's consumers completed (MassTransit calls this after the consumer returns).</summary>
    private sealed class ConsumedMessages : IConsumeObserver
    {
        public ConcurrentDictionary<Guid, byte> Ids { get; } = new();

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            if (context.MessageId is { } id)
            {
                Ids.TryAdd(id, 0);
            }

            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}

/// <summary>
/// <see cref="ProjectionFixture"/> on a RabbitMQ of its own. On the shared one, every projection host of every test
/// running meanwhile gets every event (the exchanges are fan-outs named by event, not by test), and another test's
/// client registration or revoked grant clears this replica's caches: a test that counts cache hits needs none of those.
/// </summary>
public sealed class ProjectionFixtureOnOwnBroker() : ProjectionFixture(ownBroker: true);
