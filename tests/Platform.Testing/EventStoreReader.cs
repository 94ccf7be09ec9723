using System.Text.Json;
using Npgsql;

namespace Platform.Testing;

/// <summary>Reads the event store's tables directly, as an auditor with database access would.</summary>
public static class EventStoreReader
{
    public static async Task<IReadOnlyList<string>> EventTypesAsync(string connectionString, string streamId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT type FROM platform.mt_events WHERE stream_id = $1 ORDER BY version", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        var types = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            types.Add(reader.GetString(0));
        }

        return types;
    }

    public static async Task<string?> ClientStreamIdAsync(string connectionString, string clientId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT stream_id FROM platform.mt_events WHERE type = 'client_registered' AND data ->> 'clientId' = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = clientId });
        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>All event data and headers in the store, as text, to search for leaked credentials.</summary>
    public static async Task<string> AllEventDataAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT coalesce(string_agg(data::text || coalesce(headers::text, ''), E'\\n'), '') FROM platform.mt_events", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The events of one stream, in order, with where they sit in the store.</summary>
    public static Task<IReadOnlyList<StoredEvent>> EventsAsync(string connectionString, string streamId) =>
        QueryAsync(connectionString, "stream_id = $1", streamId);

    /// <summary>Every event with one stored name (<c>token_issued</c>), in store order.</summary>
    public static Task<IReadOnlyList<StoredEvent>> EventsOfTypeAsync(string connectionString, string storedName) =>
        QueryAsync(connectionString, "type = $1", storedName);

    /// <summary>Every event appended after <paramref name="sequence"/>, in store order.</summary>
    public static Task<IReadOnlyList<StoredEvent>> EventsAfterAsync(string connectionString, long sequence) =>
        QueryAsync(connectionString, "seq_id > $1", sequence);

    /// <summary>The global sequence of the last event in the store; 0 when it is empty.</summary>
    public static async Task<long> LastSequenceAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(max(seq_id), 0) FROM platform.mt_events", connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static async Task<IReadOnlyList<StoredEvent>> QueryAsync(string connectionString, string where, object parameter)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT seq_id, id, stream_id, version, type, data::text, correlation_id, timestamp FROM platform.mt_events WHERE {where} ORDER BY seq_id",
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(new StoredEvent(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.GetString(2),
                reader.GetInt64(3),
                reader.GetString(4),
                JsonDocument.Parse(reader.GetString(5)).RootElement.Clone(),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return events;
    }
}

/// <summary>One row of <c>mt_events</c>: an event and where it sits in the store.</summary>
public sealed record StoredEvent(
    long Sequence, Guid Id, string StreamId, long Version, string Type, JsonElement Data, string? CorrelationId, DateTimeOffset Timestamp);
