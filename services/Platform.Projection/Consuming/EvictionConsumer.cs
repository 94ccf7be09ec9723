using Marten;
using MassTransit;
using Platform.Contracts;
using Platform.Contracts.Events;
using Platform.Projection.Introspection;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Consuming;

/// <summary>
/// Runs on a queue of this replica's own (every replica gets every revocation, unlike the shared durable queues):
/// applies the revocation to the read model itself (idempotent, so racing the durable consumer is harmless), then
/// evicts the cache, in that order, so that a request after the eviction cannot reload the old state.
/// </summary>
public sealed class EvictionConsumer(IDocumentStore store, ProjectionFeed feed, TokenCache cache, CallerCache callers, ReplicaFreshness freshness) :
    IConsumer<EventEnvelope<TokenRevoked>>,
    IConsumer<EventEnvelope<TokenPruned>>,
    IConsumer<EventEnvelope<GrantRevoked>>,
    IConsumer<EventEnvelope<ClientDisabled>>,
    IConsumer<EventEnvelope<UserDisabled>>
{
    /// <summary>The queue's name: the machine and a fresh id, so each process has its own; it goes when the process does.</summary>
    public static string QueueName(string prefix) => $"{prefix}-evictions-{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid():N}";

    public async Task Consume(ConsumeContext<EventEnvelope<TokenRevoked>> context)
    {
        var envelope = context.Message;
        await ApplyAsync<TokenView, TokenRevoked>(envelope, current => TokenEvolution.Apply(current, envelope.Data, envelope.Sequence), context.CancellationToken);
        cache.EvictToken(envelope.StreamId);
        freshness.Applied(envelope.Sequence);
    }

    public async Task Consume(ConsumeContext<EventEnvelope<TokenPruned>> context)
    {
        var envelope = context.Message;
        await ApplyAsync<TokenView, TokenPruned>(envelope, current => TokenEvolution.Apply(current, envelope.Data, envelope.Sequence), context.CancellationToken);
        cache.EvictToken(envelope.StreamId);
        freshness.Applied(envelope.Sequence);
    }

    public Task Consume(ConsumeContext<EventEnvelope<GrantRevoked>> context) =>
        CascadeAsync<GrantView, GrantRevoked>(context.Message, (current, e) => GrantEvolution.Apply(current, e.Data, e.StreamVersion, e.Sequence), context.CancellationToken);

    public async Task Consume(ConsumeContext<EventEnvelope<ClientDisabled>> context)
    {
        await CascadeAsync<ClientView, ClientDisabled>(context.Message, (current, e) => ClientEvolution.Apply(current, e.Data, e.StreamVersion, e.Sequence), context.CancellationToken);
        callers.Clear();
    }

    public Task Consume(ConsumeContext<EventEnvelope<UserDisabled>> context) =>
        CascadeAsync<UserView, UserDisabled>(context.Message, (current, e) => UserEvolution.Apply(current, e.Data, e.StreamVersion, e.Sequence), context.CancellationToken);

    private async Task CascadeAsync<TView, TEvent>(EventEnvelope<TEvent> envelope, Func<TView?, EventEnvelope<TEvent>, TView> evolve, CancellationToken cancellationToken)
        where TView : class, IView where TEvent : class
    {
        await ApplyAsync<TView, TEvent>(envelope, current => evolve(current, envelope), cancellationToken);
        cache.EvictAll();
        freshness.Applied(envelope.Sequence);
    }

    private Task ApplyAsync<TView, TEvent>(EventEnvelope<TEvent> envelope, Func<TView?, TView> evolve, CancellationToken cancellationToken)
        where TView : class, IView where TEvent : class =>
        ReadModelWrite.ApplyAsync(store, feed, envelope.StreamId, envelope.Sequence, envelope.Timestamp, evolve, cancellationToken);
}
