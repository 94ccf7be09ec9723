using Marten;
using Microsoft.Extensions.Options;
using OpenIddict.Core;

namespace Platform.Identity.Storage;

/// <summary>
/// The reads every OpenIddict store answers the same way from its inline-projected documents (counts and the
/// caller-shaped queries of the store interfaces), and the clock the stores stamp events with.
/// </summary>
public abstract class ProjectedDocumentStore<TDocument>(IDocumentStore documents, IOptionsMonitor<OpenIddictCoreOptions> options)
    where TDocument : class
{
    protected IDocumentStore Documents { get; } = documents;

    protected DateTimeOffset Now => (options.CurrentValue.TimeProvider ?? TimeProvider.System).GetUtcNow();

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var session = Documents.QuerySession();
        return await session.Query<TDocument>().LongCountAsync(cancellationToken);
    }

    public async ValueTask<long> CountAsync<TResult>(Func<IQueryable<TDocument>, IQueryable<TResult>> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var session = Documents.QuerySession();
        return await Queries.CountAsync(query(session.Query<TDocument>()), cancellationToken);
    }

    public async ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<TDocument>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var session = Documents.QuerySession();
        return await Queries.FirstOrDefaultAsync(query(session.Query<TDocument>(), state), cancellationToken);
    }

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<TDocument>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Documents.StreamAsync<TDocument, TResult>(documents => query(documents, state), cancellationToken);
    }
}
