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
/// An issuance, which almost always finds no view, is inserted without the load (<see cref="ReadModelWrite"/>).
/// </summary>
public sealed class TokenEventsConsumer(IDocumentStore store, ProjectionFeed feed) :
    IConsumer<EventEnvelope<TokenIssued>>,
    IConsumer<EventEnvelope<TokenRedeemed>>,
    IConsumer<EventEnvelope<TokenRevoked>>,
    IConsumer<EventEnvelope<TokenStatusChanged>>,
    IConsumer<EventEnvelope<TokenReferenceAttached>>,
    IConsumer<EventEnvelope<TokenExpirationChanged>>,
    IConsumer<EventEnvelope<TokenPruned>>
{
    public Task Consume(ConsumeContext<EventEnvelope<TokenIssued>> context) => ApplyAsync(context.Message, context.CancellationToken, insertFirst: true);
    public Task Consume(ConsumeContext<EventEnvelope<TokenRedeemed>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<TokenRevoked>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<TokenStatusChanged>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<TokenReferenceAttached>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<TokenExpirationChanged>> context) => ApplyAsync(context.Message, context.CancellationToken);
    public Task Consume(ConsumeContext<EventEnvelope<TokenPruned>> context) => ApplyAsync(context.Message, context.CancellationToken);

    private Task ApplyAsync<TEvent>(EventEnvelope<TEvent> envelope, CancellationToken cancellationToken, bool insertFirst = false) where TEvent : class =>
        ReadModelWrite.ApplyAsync<TokenView>(store, feed, envelope.StreamId, envelope.Sequence, envelope.Timestamp,
            current => TokenEvolution.Apply(current, envelope.Data, envelope.Sequence), cancellationToken, insertFirst);
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

internal static class ReadModelWrite
{
    // The projection update of a trace: a child of MassTransit's consume activity, parent of Marten's and Npgsql's.
    private static readonly ActivitySource Source = new(ServiceDefaults.PlatformMeters.Projection);

    /// <summary>
    /// Applies one event to its view. With <paramref name="insertFirst"/> (an event that usually finds no view, such
    /// as an issuance) the view is inserted as evolved from nothing, without loading it first: the insert succeeds only
    /// if no view exists, which is exactly when the load would have found nothing, so the result is the same. When a view
    /// exists (a revocation or a duplicate delivered first), the unique key refuses the insert and the event goes
    /// the usual way: load, evolve, store. Order-insensitivity and revoked-is-final rest on the evolution either way.
    /// </summary>
    public static async Task ApplyAsync<TView>(
        IDocumentStore store, ProjectionFeed feed, string id, long sequence, DateTimeOffset timestamp,
        Func<TView?, TView> evolve, CancellationToken cancellationToken, bool insertFirst = false) where TView : class
    {
        using var activity = Source.StartActivity($"project {typeof(TView).Name}");
        activity?.SetTag("platform.event.sequence", sequence);
        if (!insertFirst || !await TryInsertAsync(store, evolve(null), cancellationToken))
        {
            await LoadAndStoreAsync(store, id, evolve, cancellationToken);
        }

        feed.Applied(sequence, timestamp);
    }

    private static async Task<bool> TryInsertAsync<TView>(IDocumentStore store, TView view, CancellationToken cancellationToken) where TView : class
    {
        await using var session = store.LightweightSession();
        session.Insert(view);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DocumentAlreadyExistsException)
        {
            return false;
        }
    }

    private static async Task LoadAndStoreAsync<TView>(IDocumentStore store, string id, Func<TView?, TView> evolve, CancellationToken cancellationToken)
        where TView : class
    {
        await using var session = store.LightweightSession();
        var current = await session.LoadAsync<TView>(id, cancellationToken);
        var next = evolve(current);
        if (current is null)
        {
            session.Insert(next);
        }
        else if (!Equals(current, next))
        {
            session.Update(next);
        }

        // A concurrent writer of the same view makes SaveChanges throw; MassTransit retries the message.
        await session.SaveChangesAsync(cancellationToken);
    }
}
