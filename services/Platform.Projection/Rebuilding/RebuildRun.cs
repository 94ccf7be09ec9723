using System.Text.Json;
using Npgsql;

namespace Platform.Projection.Rebuilding;

/// <summary>
/// One rebuild, as recorded in <c>projection_rebuilds.runs</c> after every page: how far it got (the last global
/// sequence whose events are in the fresh tables), so a rebuild killed midway resumes from there.
/// </summary>
public sealed record RebuildRun(
    long Id, string State, long TargetSequence, long LastSequence, long EventsDone, long EventsTotal,
    long ResumedFrom, long SegmentDone, DateTimeOffset StartedAt, DateTimeOffset SegmentStartedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt, long? SwapSequence, long CaughtUp, string? Error, JsonElement? Consistency)
{
    public const string Rebuilding = "rebuilding";
    public const string CatchingUp = "catching-up";
    public const string Checking = "checking";
    public const string Completed = "completed";
    public const string Failed = "failed";

    /// <summary>Where the fresh tables are built.</summary>
    public string Schema => $"projection_rebuild_{Id}";

    /// <summary>Where the replaced live tables go at the swap, kept for the check (and a manual roll-back) until the next rebuild.</summary>
    public string RetiredSchema => $"projection_retired_{Id}";

    /// <summary>Events per second since this process took the run up (a resumed run does not count what it skipped).</summary>
    public double Rate => (UpdatedAt - SegmentStartedAt).TotalSeconds is var seconds and > 0.05 ? (EventsDone - SegmentDone) / seconds : 0;

    public double? EtaSeconds => Rate > 0 ? Math.Max(0, EventsTotal - EventsDone) / Rate : null;
}

/// <summary>The bookkeeping table of rebuilds, beside the read model: it survives the swap and any replica can read it.</summary>
internal static class RebuildRuns
{
    public const string Schema = "projection_rebuilds";
    private const string Columns = "id, state, target_sequence, last_sequence, events_done, events_total, resumed_from, segment_done, " +
        "started_at, segment_started_at, updated_at, finished_at, swap_sequence, caught_up, error, consistency::text";

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            CREATE SCHEMA IF NOT EXISTS {Schema};
            CREATE TABLE IF NOT EXISTS {Schema}.runs (
                id bigserial PRIMARY KEY, state text NOT NULL, target_sequence bigint NOT NULL, last_sequence bigint NOT NULL DEFAULT 0,
                events_done bigint NOT NULL DEFAULT 0, events_total bigint NOT NULL, resumed_from bigint NOT NULL DEFAULT 0,
                segment_done bigint NOT NULL DEFAULT 0, started_at timestamptz NOT NULL, segment_started_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL, finished_at timestamptz, swap_sequence bigint, caught_up bigint NOT NULL DEFAULT 0,
                error text, consistency jsonb);
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The latest run, null when there has been none (or the table does not exist yet).</summary>
    public static async Task<RebuildRun?> LatestAsync(NpgsqlDataSource dataSource, bool unfinishedOnly, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM {Schema}.runs {(unfinishedOnly ? "WHERE finished_at IS NULL" : "")} ORDER BY id DESC LIMIT 1");
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return null;
        }
    }

    public static async Task<RebuildRun> StartAsync(NpgsqlDataSource dataSource, long target, long total, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {Schema}.runs (state, target_sequence, events_total, started_at, segment_started_at, updated_at)
            VALUES ($1, $2, $3, $4, $4, $4) RETURNING {Columns}
            """);
        command.Parameters.Add(new() { Value = RebuildRun.Rebuilding });
        command.Parameters.Add(new() { Value = target });
        command.Parameters.Add(new() { Value = total });
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return Read(reader);
    }

    /// <summary>Writes the run's progress; with <paramref name="transaction"/>, as part of it (the swap).</summary>
    public static async Task SaveAsync(NpgsqlDataSource dataSource, RebuildRun run, CancellationToken cancellationToken,
        NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        const string sql = $"""
            UPDATE {Schema}.runs SET state = $2, last_sequence = $3, events_done = $4, resumed_from = $5, segment_done = $6,
                segment_started_at = $7, updated_at = $8, finished_at = $9, swap_sequence = $10, caught_up = $11, error = $12,
                consistency = $13::jsonb
            WHERE id = $1
            """;
        await using var command = connection is null ? dataSource.CreateCommand(sql) : new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in new object?[]
        {
            run.Id, run.State, run.LastSequence, run.EventsDone, run.ResumedFrom, run.SegmentDone, run.SegmentStartedAt,
            run.UpdatedAt, run.FinishedAt, run.SwapSequence, run.CaughtUp, run.Error, run.Consistency?.GetRawText(),
        })
        {
            command.Parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = Guess(command.Parameters.Count) } : new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlTypes.NpgsqlDbType Guess(int index) => index switch
    {
        8 => NpgsqlTypes.NpgsqlDbType.TimestampTz,
        9 => NpgsqlTypes.NpgsqlDbType.Bigint,
        _ => NpgsqlTypes.NpgsqlDbType.Text,
    };

    private static RebuildRun Read(NpgsqlDataReader reader) => new(
        reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5),
        reader.GetInt64(6), reader.GetInt64(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9),
        reader.GetFieldValue<DateTimeOffset>(10), reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
        reader.IsDBNull(12) ? null : reader.GetInt64(12), reader.GetInt64(13), reader.IsDBNull(14) ? null : reader.GetString(14),
        reader.IsDBNull(15) ? null : JsonDocument.Parse(reader.GetString(15)).RootElement.Clone());
}
