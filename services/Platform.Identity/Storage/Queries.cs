using System.Runtime.CompilerServices;
using Marten;

namespace Platform.Identity.Storage;

/// <summary>How the stores read: short-lived query sessions over the inline-projected documents.</summary>
public static class Queries
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
