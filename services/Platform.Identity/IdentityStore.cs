using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using JasperFx.Events.Projections;
using Marten;
using Marten.Exceptions;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Platform.Identity.Clients;
using Platform.Identity.Grants;
using Platform.Identity.Scopes;
using Platform.Identity.Tokens;
using Marten.Schema;

namespace Platform.Identity;

/// <summary>
/// Wires the event-sourced OpenIddict stores: the documents and inline projections they read
/// (<see cref="AddIdentityDocuments"/>) and the stores and managers OpenIddict uses (<see cref="UsePlatformStores"/>).
/// </summary>
public static class IdentityStore
{
    /// <summary>
    /// Registers the clients, scopes, grants and tokens documents, their indexes, the token payload document and
    /// the inline projections that keep them. Every service that writes to the store must call it, so that the
    /// schema they migrate agrees.
    /// </summary>
    public static StoreOptions AddIdentityDocuments(this StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        options.Schema.For<Client>()
            .UniqueIndex(UniqueIndexType.Computed, "ux_client_client_id", client => client.ClientId!);
        options.Schema.For<Scope>()
            .UniqueIndex(UniqueIndexType.Computed, "ux_scope_name", scope => scope.Name!);
        options.Schema.For<Grant>()
            .Index(grant => grant.ApplicationId)
            .Index(grant => grant.Subject);
        options.Schema.For<Token>()
            .Index(token => token.ReferenceId)
            .Index(token => token.AuthorizationId)
            .Index(token => token.ApplicationId)
            .Index(token => token.Subject);
        options.Schema.For<TokenPayload>();

        // Inline: the documents change in the transaction that appends the events, so OpenIddict reads what it
        // just wrote (a redeemed code is redeemed for the next request, whichever replica serves it).
        options.Projections.Add<ClientProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<ScopeProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<GrantProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<TokenProjection>(ProjectionLifecycle.Inline);

        return options;
    }

    /// <summary>
    /// Makes OpenIddict use Platform's models and event-sourced stores, <see cref="ClientManager"/> (SHA-256
    /// client secrets) and <see cref="TokenManager"/> (scopes, audiences and presenters recorded on issue).
    /// </summary>
    /// <remarks>
    /// Entity caching stays on: OpenIddict's cache lives for one request scope, every write is checked against
    /// the stored stream version whatever instance it starts from, and a stale cached instance therefore fails
    /// with a concurrency error instead of overwriting a newer state.
    /// </remarks>
    public static OpenIddictCoreBuilder UsePlatformStores(this OpenIddictCoreBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.SetDefaultApplicationEntity<Client>()
            .SetDefaultAuthorizationEntity<Grant>()
            .SetDefaultScopeEntity<Scope>()
            .SetDefaultTokenEntity<Token>()
            .ReplaceApplicationStore<Client, ClientStore>(ServiceLifetime.Scoped)
            .ReplaceAuthorizationStore<Grant, GrantStore>(ServiceLifetime.Scoped)
            .ReplaceScopeStore<Scope, ScopeStore>(ServiceLifetime.Scoped)
            .ReplaceTokenStore<Token, TokenStore>(ServiceLifetime.Scoped)
            .ReplaceApplicationManager<Client, ClientManager>()
            .ReplaceTokenManager<Token, TokenManager>();

        return builder;
    }
}

/// <summary>How the stores write: fetch, decide, append with the expected stream version, in one transaction.</summary>
internal static class EventWrites
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
    public static async Task SaveAsync(this IDocumentSession session, string concurrencyMessage, CancellationToken cancellationToken)
    {
        try
        {
            await session.SaveChangesAsync(cancellationToken);
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

/// <summary>A document kept by a single-stream projection: its id is the stream id, its version the stream version.</summary>
public interface IVersionedDocument
{
    string? Id { get; }

    long Version { get; }
}

/// <summary>How the stores read: short-lived query sessions over the inline-projected documents.</summary>
internal static class Queries
{
    public static async IAsyncEnumerable<TDocument> StreamAsync<TDocument>(
        this IDocumentStore documents,
        Func<IQueryable<TDocument>, IQueryable<TDocument>> query,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TDocument : notnull
    {
        await using var session = documents.QuerySession();
        await foreach (var document in query(session.Query<TDocument>()).ToAsyncEnumerable(cancellationToken))
        {
            yield return document;
        }
    }

    public static async IAsyncEnumerable<TResult> StreamAsync<TDocument, TResult>(
        this IDocumentStore documents,
        Func<IQueryable<TDocument>, IQueryable<TResult>> query,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TDocument : notnull
    {
        await using var session = documents.QuerySession();
#pragma warning disable CS8714 // OpenIddict's TResult is unconstrained; Marten's LINQ does not yield null rows.
        await foreach (var result in query(session.Query<TDocument>()).ToAsyncEnumerable(cancellationToken))
#pragma warning restore CS8714
        {
            yield return result;
        }
    }

    public static IQueryable<TDocument> Page<TDocument>(this IQueryable<TDocument> query, int? count, int? offset)
    {
        if (offset.HasValue)
        {
            query = query.Skip(offset.Value);
        }

        if (count.HasValue)
        {
            query = query.Take(count.Value);
        }

        return query;
    }

#pragma warning disable CS8714 // OpenIddict's TResult is unconstrained; Marten's LINQ wants notnull.
    public static async ValueTask<long> CountAsync<TResult>(IQueryable<TResult> query, CancellationToken cancellationToken) =>
        await query.LongCountAsync(cancellationToken);

    public static async ValueTask<TResult?> FirstOrDefaultAsync<TResult>(IQueryable<TResult> query, CancellationToken cancellationToken) =>
        await query.FirstOrDefaultAsync(cancellationToken);
#pragma warning restore CS8714
}

/// <summary>Value comparisons the decide functions share, so "no change" means the same everywhere.</summary>
internal static class Same
{
    public static bool Values(IReadOnlyList<string> left, IReadOnlyList<string> right) =>
        left.SequenceEqual(right, StringComparer.Ordinal);

    public static bool Values(IReadOnlyDictionary<string, string> left, IReadOnlyDictionary<string, string> right) =>
        left.Count == right.Count
        && left.All(pair => right.TryGetValue(pair.Key, out var value) && string.Equals(pair.Value, value, StringComparison.Ordinal));

    public static bool Properties(IReadOnlyDictionary<string, JsonElement> left, IReadOnlyDictionary<string, JsonElement> right) =>
        left.Count == right.Count
        && left.All(pair => right.TryGetValue(pair.Key, out var value) && JsonElement.DeepEquals(pair.Value, value));

    /// <summary>A detached copy: OpenIddict may hand elements of a document it disposes later.</summary>
    public static Dictionary<string, JsonElement> Copy(ImmutableDictionary<string, JsonElement> properties) =>
        properties.ToDictionary(pair => pair.Key, pair => pair.Value.Clone(), StringComparer.Ordinal);
}

/// <summary>Localized strings are stored by culture name; OpenIddict speaks <see cref="CultureInfo"/>.</summary>
internal static class Localized
{
    public static ImmutableDictionary<CultureInfo, string> ToCultures(IReadOnlyDictionary<string, string> values) =>
        values.ToImmutableDictionary(pair => CultureInfo.GetCultureInfo(pair.Key), pair => pair.Value);

    public static Dictionary<string, string> ToNames(ImmutableDictionary<CultureInfo, string> values) =>
        values.ToDictionary(pair => pair.Key.Name, pair => pair.Value, StringComparer.Ordinal);
}
