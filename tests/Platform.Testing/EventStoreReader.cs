using Npgsql;

namespace Platform.EndToEnd.Tests;

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
}
