using Marten;
using Marten.Exceptions;
using OpenIddict.Abstractions;

namespace Platform.Identity.Storage;

/// <summary>How the stores write: fetch, decide, append with the expected stream version, in one transaction.</summary>
public static class EventWrites
{
    private const int BatchSize = 500;
    private const int MaxBatches = 10_000;

    /// <summary>Appends to an existing stream, failing at save time if it moved past <paramref name="expectedVersion"/>.</summary>
    public static void AppendExpecting(this IDocumentSession session, string streamId, long expectedVersion, IReadOnlyList<object> events)
    {
        // Marten's Append(id, expectedVersion, events) wants the version after the append; saying the version
        // we read is harder to get wrong.
        var action = session.Events.Append(streamId, events);
        action.ExpectedVersionOnServer = expectedVersion;
    }

    /// <summary>
    /// Loads the stored document of <paramref name="model"/> for a write. The caller's instance must reflect the
    /// stored stream version; otherwise someone changed the entity since it was read, and OpenIddict must hear a
    /// concurrency failure (that is how exactly one of two redemptions of a code wins).
    /// </summary>
    public static async Task<TDocument> LoadCurrentAsync<TDocument>(
        this IDocumentSession session, TDocument model, string concurrencyMessage, CancellationToken cancellationToken)
        where TDocument : class, IVersionedDocument
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(model.Id);

        var stored = await session.LoadAsync<TDocument>(model.Id, cancellationToken);
        if (stored is null || stored.Version != model.Version)
        {
            throw new OpenIddictExceptions.ConcurrencyException(OpenIddictResources.GetResourceString(concurrencyMessage));
        }

        return stored;
    }

    /// <summary>Saves, turning Marten's optimistic-concurrency failures into OpenIddict's.</summary>
    /// <param name="session">The session holding the appends.</param>
    /// <param name="concurrencyMessage">The OpenIddict resource id of the message (for example ID0247 for tokens).</param>
    /// <param name="cancellationToken">Cancels the save.</param>
    public static Task SaveAsync(this IDocumentSession session, string concurrencyMessage, CancellationToken cancellationToken) =>
        ConcurrencyCheckedAsync(session.SaveChangesAsync(cancellationToken), concurrencyMessage);

    /// <summary>Awaits a write, turning Marten's optimistic-concurrency failures into OpenIddict's.</summary>
    public static async Task ConcurrencyCheckedAsync(Task write, string concurrencyMessage)
    {
        try
        {
            await write;
        }
        catch (Exception exception) when (IsConcurrencyFailure(exception))
        {
            throw new OpenIddictExceptions.ConcurrencyException(OpenIddictResources.GetResourceString(concurrencyMessage), exception);
        }
    }

    /// <summary>
    /// Appends what <paramref name="decide"/> says to every stream whose document matches <paramref name="filter"/>,
    /// each with its own expected version, <see cref="BatchSize"/> streams per transaction. Returns how many
    /// streams got events. The filter must stop matching a document once its events are appended (a revoked
    /// token is no longer "not revoked", a pruned one no longer exists), which is what ends the loop.
    /// </summary>
    public static async ValueTask<long> AppendToEachAsync<TDocument>(
        this IDocumentStore documents,
        Func<IQueryable<TDocument>, IQueryable<TDocument>> filter,
        Func<TDocument, IReadOnlyList<object>> decide,
        Action<IDocumentSession, TDocument>? alsoDo,
        CancellationToken cancellationToken)
        where TDocument : class, IVersionedDocument
    {
        var count = 0L;
        for (var batch = 0; batch < MaxBatches; batch++)
        {
            cancellationToken.ThrowIfCancellationRequested();

            IReadOnlyList<TDocument> candidates;
            await using (var query = documents.QuerySession())
            {
                candidates = await filter(query.Query<TDocument>()).OrderBy(document => document.Id).Take(BatchSize).ToListAsync(cancellationToken);
            }

            if (candidates.Count == 0)
            {
                break;
            }

            var decided = candidates
                .Select(document => (Document: document, Events: decide(document)))
                .Where(pair => pair.Events.Count > 0)
                .ToList();
            if (decided.Count == 0)
            {
                break;
            }

            try
            {
                await AppendAllAsync(documents, decided, alsoDo, cancellationToken);
                count += decided.Count;
            }
            catch (Exception exception) when (IsConcurrencyFailure(exception))
            {
                // One stream moved under the batch: write the others one by one; the moved one matches the
                // filter again next round if it still should, and is decided afresh from its new state.
                foreach (var single in decided)
                {
                    try
                    {
                        await AppendAllAsync(documents, [single], alsoDo, cancellationToken);
                        count++;
                    }
                    catch (Exception singleFailure) when (IsConcurrencyFailure(singleFailure))
                    {
                    }
                }
            }
        }

        return count;
    }

    private static async Task AppendAllAsync<TDocument>(
        IDocumentStore documents,
        IReadOnlyList<(TDocument Document, IReadOnlyList<object> Events)> decided,
        Action<IDocumentSession, TDocument>? alsoDo,
        CancellationToken cancellationToken)
        where TDocument : class, IVersionedDocument
    {
        await using var session = documents.LightweightSession();
        foreach (var (document, events) in decided)
        {
            session.AppendExpecting(document.Id!, document.Version, events);
            alsoDo?.Invoke(session, document);
        }

        await session.SaveChangesAsync(cancellationToken);
    }

    private static bool IsConcurrencyFailure(Exception exception) =>
        exception is JasperFx.ConcurrencyException or ConcurrentUpdateException
        || (exception.InnerException is { } inner && IsConcurrencyFailure(inner));
}
