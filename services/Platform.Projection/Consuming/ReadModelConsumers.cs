using System.Diagnostics;
using Marten;
using JasperFx;
using MassTransit;
using Platform.Contracts;
using Platform.Contracts.Events;
using Platform.Projection.Introspection;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Consuming;

/// <summary>
/// Keeps the token views: load, apply the pure evolution, store with optimistic concurrency. Two messages
/// for one token racing each other make one of them fail and retry; the evolution makes the order irrelevant.
/// Issuances, almost every token event under load, are <see cref="TokenIssuedConsumer"/>'s.
/// </summary>
public sealed class TokenEventsConsumer(IDocumentStore store, ProjectionFeed feed) :
    IConsumer<EventEnvelope<TokenRedeemed>>,
    IConsumer<EventEnvelope<TokenRevoked>>,
    IConsumer<EventEnvelope<TokenStatusChanged>>,
    IConsumer<EventEnvelope<TokenReferenceAttached>>,
    IConsumer<EventEnvelope<TokenExpirationChanged>>,
    IConsumer<EventEnvelope<TokenPruned>>
{
    /// <summary>
    /// How many of these events run at once. They share their queue with the issuances, whose batches raise the
    /// queue's own limit to two batches' worth; this one keeps what MassTransit's default gave them before
    /// (RabbitMQ's prefetch of 16), so that a burst of revocations or prunings does not take the connection pool.
    /// </summary>
    public const int ConcurrentMessageLimit = 16;

    public Task Consume(ConsumeContext<EventEnvelope<TokenRedeemed>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<TokenRevoked>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<TokenStatusChanged>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<TokenReferenceAttached>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<TokenExpirationChanged>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<TokenPruned>> context) => ApplyAsync(context.Message, context.CancellationToken);

    private Task ApplyAsync<TEvent>(EventEnvelope<TEvent> envelope, CancellationToken cancellationToken) where TEvent : class =>
        ReadModelWrite.ApplyAsync<TokenView>(store, feed, envelope.StreamId, envelope.Sequence, envelope.Timestamp,
            current => TokenEvolution.Apply(current, envelope.Data, envelope.Sequence), cancellationToken);
}

/// <summary>
/// Applies issued tokens in batches (MassTransit's batch consumer, on the token events' queue): the views of a whole
/// batch are inserted in one transaction, evolved from nothing, without loading them first
/// (<see cref="ReadModelWrite.InsertFirstAsync{TView}"/>). An issuance almost never finds its view: under load this is
/// one transaction and one round trip for up to <see cref="BatchSize"/> tokens instead of one each.
/// </summary>
public sealed class TokenIssuedConsumer(IDocumentStore store, ProjectionFeed feed) : IConsumer<Batch<EventEnvelope<TokenIssued>>>
{
    /// <summary>The most issuances applied in one transaction.</summary>
    public const int BatchSize = 100;

    /// <summary>
    /// How long the first issuance of a batch waits for others: a lone one reaches the read model at most this much
    /// later (introspection asks the writers' documents about a token the read model does not know yet).
    /// </summary>
    public static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(10);

    /// <summary>Two batches at once: one collects while the other is written.</summary>
    public const int ConcurrentBatches = 2;

    public static void Configure(IConsumerConfigurator<TokenIssuedConsumer> consumer) =>
        // Its default also raises the queue's prefetch and concurrent message limit to ConcurrentBatches × BatchSize:
        // each message of a batch being collected holds a slot until the batch is written, so with fewer a batch
        // could never fill and would always wait out the window.
        consumer.Options<BatchOptions>(batch => batch
            .SetMessageLimit(BatchSize)
            .SetTimeLimit(BatchWindow)
            .SetTimeLimitStart(BatchTimeLimitStart.FromFirst)
            .SetConcurrencyLimit(ConcurrentBatches));

    public Task Consume(ConsumeContext<Batch<EventEnvelope<TokenIssued>>> context) =>
        InsertAsync(store, feed, context.Message.Select(message => message.Message), context.CancellationToken);

    /// <summary>Issuances, from a batch or a relay page, inserted together (<see cref="ReadModelWrite.InsertFirstAsync{TView}"/>).</summary>
    internal static Task InsertAsync(IDocumentStore store, ProjectionFeed feed, IEnumerable<EventEnvelope<TokenIssued>> issuances,
        CancellationToken cancellationToken) =>
        ReadModelWrite.InsertFirstAsync<TokenView>(store, feed,
            [.. issuances.Select(envelope => new ViewChange<TokenView>(
                envelope.StreamId, envelope.Sequence, envelope.Timestamp, current => TokenEvolution.Apply(current, envelope.Data, envelope.Sequence)))],
            cancellationToken);
}

/// <summary>
/// Applies the pages of issuances the relay publishes under load (<see cref="EventPage{TEvent}"/>, one message per
/// relay page): the whole page in one transaction, as <see cref="TokenIssuedConsumer"/> does with its batches. Lone
/// issuances still come as envelopes, to that consumer.
/// </summary>
public sealed class TokenIssuedPageConsumer(IDocumentStore store, ProjectionFeed feed) : IConsumer<EventPage<TokenIssued>>
{
    public Task Consume(ConsumeContext<EventPage<TokenIssued>> context) =>
        TokenIssuedConsumer.InsertAsync(store, feed, context.Message.Events, context.CancellationToken);
}

/// <summary>Keeps the client views, for caller authentication and for cascading a disabled client to its tokens.</summary>
public sealed class ClientEventsConsumer(IDocumentStore store, ProjectionFeed feed, CallerCache callers) :
    IConsumer<EventEnvelope<ClientRegistered>>,
    IConsumer<EventEnvelope<ClientUpdated>>,
    IConsumer<EventEnvelope<ClientSecretRotated>>,
    IConsumer<EventEnvelope<ClientDisabled>>,
    IConsumer<EventEnvelope<ClientEnabled>>,
    IConsumer<EventEnvelope<ClientDeleted>>
{
    public Task Consume(ConsumeContext<EventEnvelope<ClientRegistered>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<ClientUpdated>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<ClientSecretRotated>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<ClientDisabled>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<ClientEnabled>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<ClientDeleted>> context) => ApplyAsync(context.Message, context.CancellationToken);

    private async Task ApplyAsync<TEvent>(EventEnvelope<TEvent> envelope, CancellationToken cancellationToken) where TEvent : class
    {
        await ReadModelWrite.ApplyAsync<ClientView>(store, feed, envelope.StreamId, envelope.Sequence, envelope.Timestamp,
            current => ClientEvolution.Apply(current, envelope.Data, envelope.StreamVersion, envelope.Sequence), cancellationToken);
        callers.Clear();
    }
}

/// <summary>Keeps the grant views, for cascading a revoked grant to its tokens.</summary>
public sealed class GrantEventsConsumer(IDocumentStore store, ProjectionFeed feed) :
    IConsumer<EventEnvelope<GrantApproved>>,
    IConsumer<EventEnvelope<GrantUpdated>>,
    IConsumer<EventEnvelope<GrantRevoked>>,
    IConsumer<EventEnvelope<GrantPruned>>
{
    public Task Consume(ConsumeContext<EventEnvelope<GrantApproved>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<GrantUpdated>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<GrantRevoked>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<GrantPruned>> context) => ApplyAsync(context.Message, context.CancellationToken);

    private Task ApplyAsync<TEvent>(EventEnvelope<TEvent> envelope, CancellationToken cancellationToken) where TEvent : class =>
        ReadModelWrite.ApplyAsync<GrantView>(store, feed, envelope.StreamId, envelope.Sequence, envelope.Timestamp,
            current => GrantEvolution.Apply(current, envelope.Data, envelope.StreamVersion, envelope.Sequence), cancellationToken);
}

/// <summary>Keeps the user views: the user name introspection reports, and disabled users for the cascade.</summary>
public sealed class UserEventsConsumer(IDocumentStore store, ProjectionFeed feed) :
    IConsumer<EventEnvelope<UserRegistered>>,
    IConsumer<EventEnvelope<UserDisabled>>,
    IConsumer<EventEnvelope<UserEnabled>>
{
    public Task Consume(ConsumeContext<EventEnvelope<UserRegistered>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<UserDisabled>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<UserEnabled>> context) => ApplyAsync(context.Message, context.CancellationToken);

    private Task ApplyAsync<TEvent>(EventEnvelope<TEvent> envelope, CancellationToken cancellationToken) where TEvent : class =>
        ReadModelWrite.ApplyAsync<UserView>(store, feed, envelope.StreamId, envelope.Sequence, envelope.Timestamp,
            current => UserEvolution.Apply(current, envelope.Data, envelope.StreamVersion, envelope.Sequence), cancellationToken);
}

/// <summary>One event's change to its view: the view's id, the event's place in the store, its evolution.</summary>
internal sealed record ViewChange<TView>(string Id, long Sequence, DateTimeOffset Timestamp, Func<TView?, TView> Evolve) where TView : class;

internal static class ReadModelWrite
{
    // The projection update of a trace: a child of MassTransit's consume activity, parent of Marten's and Npgsql's.
    private static readonly ActivitySource Source = new(ServiceDefaults.PlatformMeters.Projection);

    /// <summary>Applies one event to its view: load, evolve, store.</summary>
    public static async Task ApplyAsync<TView>(
        IDocumentStore store, ProjectionFeed feed, string id, long sequence, DateTimeOffset timestamp,
        Func<TView?, TView> evolve, CancellationToken cancellationToken) where TView : class, IView
    {
        using var activity = Source.StartActivity($"project {typeof(TView).Name}");
        activity?.SetTag("platform.event.sequence", sequence);
        await LoadAndStoreAsync(store, [new ViewChange<TView>(id, sequence, timestamp, evolve)], cancellationToken);
        feed.Applied(sequence, timestamp);
    }

    /// <summary>
    /// Applies events that usually find no view (issuances) without loading the views first: every view, evolved from
    /// nothing, is inserted in one transaction. The inserts succeed only if no view exists, which is exactly when the
    /// load would have found nothing, so the result is the same. When one exists (a revocation or a duplicate
    /// delivered first), its insert is refused, the transaction rolls back, and the events go the usual way: load,
    /// evolve, store, for the whole batch in one transaction. Order-insensitivity and revoked-is-final rest on the
    /// evolution either way; events of one view in one batch (a duplicate) are applied one after the other.
    /// </summary>
    public static async Task InsertFirstAsync<TView>(
        IDocumentStore store, ProjectionFeed feed, IReadOnlyList<ViewChange<TView>> changes, CancellationToken cancellationToken) where TView : class, IView
    {
        using var activity = Source.StartActivity($"project {typeof(TView).Name}");
        activity?.SetTag("platform.event.count", changes.Count);
        if (!await TryInsertAsync(store, changes, cancellationToken))
        {
            activity?.SetTag("platform.projection.loaded", true);
            await LoadAndStoreAsync(store, changes, cancellationToken);
        }

        // Only now are they committed: the feed's position and delay never run ahead of the read model.
        foreach (var change in changes)
        {
            feed.Applied(change.Sequence, change.Timestamp);
        }
    }

    private static async Task<bool> TryInsertAsync<TView>(IDocumentStore store, IReadOnlyList<ViewChange<TView>> changes, CancellationToken cancellationToken)
        where TView : class
    {
        await using var session = store.LightweightSession();
        foreach (var (_, evolve) in ByView(changes))
        {
            session.Insert(evolve(null));
        }

        try
        {
            await session.SaveChangesAsync(cancellationToken);
            return true;
        }
        // Marten throws the one refused insert as it is, several together in an AggregateException; either way the
        // transaction was rolled back.
        catch (Exception exception) when (AlreadyExists(exception))
        {
            return false;
        }
    }

    private static bool AlreadyExists(Exception exception) => exception switch
    {
        DocumentAlreadyExistsException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(inner => inner is DocumentAlreadyExistsException),
        _ => false,
    };

    private static async Task LoadAndStoreAsync<TView>(IDocumentStore store, IReadOnlyList<ViewChange<TView>> changes, CancellationToken cancellationToken)
        where TView : class, IView
    {
        await using var session = store.LightweightSession();
        var byView = ByView(changes);
        var loaded = await session.LoadManyAsync<TView>(cancellationToken, byView.Select(view => view.Id).ToArray());
        var current = loaded.ToDictionary(view => view.Id, StringComparer.Ordinal);
        foreach (var (id, evolve) in byView)
        {
            var before = current.GetValueOrDefault(id);
            var next = evolve(before);
            if (before is null)
            {
                session.Insert(next);
            }
            else if (!Equals(before, next))
            {
                session.Update(next);
            }
        }

        // A concurrent writer of one of the views makes SaveChanges throw; MassTransit retries the message (or batch).
        await session.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The changes grouped by view, each view's evolutions applied in the order they came.</summary>
    private static List<(string Id, Func<TView?, TView> Evolve)> ByView<TView>(IReadOnlyList<ViewChange<TView>> changes) where TView : class =>
        [.. changes.GroupBy(change => change.Id, StringComparer.Ordinal).Select(view => (view.Key, (Func<TView?, TView>)(current =>
            view.Aggregate(current, (state, change) => change.Evolve(state))!)))];
}
