using Npgsql;
using Platform.Contracts;
using Platform.Contracts.Events;
using Platform.ServiceDefaults;

namespace Platform.Projection.Audit;

/// <summary>
/// Reads the writers' event store (<c>platform.mt_events</c>) and nothing else: the history is the events
/// alone, never the read model. Its connections are read-only sessions, so no audit query can write.
/// </summary>
public sealed class AuditStore(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    private const string Columns = "seq_id, stream_id, version, type, timestamp, correlation_id, data::text, headers::text";
    private static readonly string[] UserEventNames = [.. EventCatalogue.OfStreamKind(StreamKinds.User).Select(e => e.StoredName)];
    private static readonly string[] ClientEventNames = [.. EventCatalogue.OfStreamKind(StreamKinds.Client).Select(e => e.StoredName)];
    private static readonly string[] LinkingEventNames = [Name<TokenIssued>(), Name<GrantApproved>()];

    public static AuditStore Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        builder.Options = $"{builder.Options} -c default_transaction_read_only=on".Trim();
        return new AuditStore(EventStore.CreateDataSource(builder.ConnectionString));
    }

    /// <summary>The kind of a stream (its first event's), null when the stream does not exist.</summary>
    public async Task<string?> StreamKindAsync(string streamId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT type FROM {EventStore.Schema}.mt_events WHERE stream_id = $1 ORDER BY version LIMIT 1");
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        var type = await ScalarAsync(command, cancellationToken) as string;
        return type is not null && EventCatalogue.TryFind(type, out var definition) ? definition.StreamKind : null;
    }

    public Task<IReadOnlyList<RecordedEvent>> StreamAsync(string streamId, Page page, CancellationToken cancellationToken) =>
        QueryAsync($"stream_id = $1 AND seq_id > $2 ORDER BY seq_id LIMIT $3", [streamId, page.After, page.Limit + 1], cancellationToken);

    /// <summary>A stream's events of some types only (all of them when <paramref name="types"/> is empty).</summary>
    public Task<IReadOnlyList<RecordedEvent>> StreamAsync(string? streamId, string[] types, CancellationToken cancellationToken) =>
        streamId is null
            ? Task.FromResult<IReadOnlyList<RecordedEvent>>([])
            : QueryAsync("stream_id = $1 AND (cardinality($2::text[]) = 0 OR type = ANY($2)) ORDER BY seq_id", [streamId, types], cancellationToken);

    /// <summary>
    /// A subject's timeline: its user stream (when it is a user) and every grant and token stream whose
    /// <c>grant_approved</c> or <c>token_issued</c> names it as subject.
    /// </summary>
    public Task<IReadOnlyList<RecordedEvent>> SubjectTimelineAsync(string subject, Page page, CancellationToken cancellationToken) =>
        QueryAsync($"""
            stream_id IN (
                SELECT stream_id FROM {EventStore.Schema}.mt_events WHERE stream_id = $1 AND type = ANY($2)
                UNION
                SELECT stream_id FROM {EventStore.Schema}.mt_events WHERE type = ANY($3) AND data ->> 'subject' = $1)
            AND seq_id > $4 ORDER BY seq_id LIMIT $5
            """, [subject, UserEventNames, LinkingEventNames, page.After, page.Limit + 1], cancellationToken);

    /// <summary>
    /// A client's timeline, by its <c>client_id</c> or its application id: the client stream and every grant
    /// and token stream whose <c>grant_approved</c> or <c>token_issued</c> names that application.
    /// </summary>
    public Task<IReadOnlyList<RecordedEvent>> ClientTimelineAsync(string client, Page page, CancellationToken cancellationToken) =>
        QueryAsync($"""
            stream_id IN (
                WITH application AS (
                    SELECT stream_id FROM {EventStore.Schema}.mt_events
                    WHERE type = ANY($2) AND (stream_id = $1 OR (type IN ('client_registered', 'client_updated') AND data ->> 'clientId' = $1)))
                SELECT stream_id FROM application
                UNION
                SELECT stream_id FROM {EventStore.Schema}.mt_events
                WHERE type = ANY($3) AND data ->> 'applicationId' IN (SELECT stream_id FROM application))
            AND seq_id > $4 ORDER BY seq_id LIMIT $5
            """, [client, ClientEventNames, LinkingEventNames, page.After, page.Limit + 1], cancellationToken);

    private async Task<IReadOnlyList<RecordedEvent>> QueryAsync(string where, object[] parameters, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM {EventStore.Schema}.mt_events WHERE {where}");
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var events = new List<RecordedEvent>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                events.Add(RecordedEvent.Read(
                    reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3),
                    reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
            }
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // No writer has created the store yet: there is no history.
        }

        return events;
    }

    private static async Task<object?> ScalarAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteScalarAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    private static string Name<TEvent>() => EventCatalogue.Of(typeof(TEvent)).StoredName;

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}

/// <summary>A page of a history or timeline: events after a global sequence, at most <c>Limit</c> of them.</summary>
public sealed record Page(long After, int Limit)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;
}
