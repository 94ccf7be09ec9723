using Npgsql;

namespace Platform.Projection.Rebuilding;

/// <summary>
/// Compares two copies of the read model table by table: the count of views and an MD5 over every view's id and
/// canonical JSON (PostgreSQL's <c>jsonb</c> text form: keys sorted, whitespace normalised), in id order, and
/// the ids that differ. Views whose <c>lastSequence</c> in <paramref name="rebuiltSchema"/> is past
/// <c>upTo</c> changed after the swap (the consumers write the new tables then) and are left out of both sides.
/// </summary>
public static class ConsistencyCheck
{
    public const int MaxDifferencesShown = 100;

    public static async Task<ConsistencyResult> CompareAsync(NpgsqlDataSource dataSource, string rebuiltSchema, string liveSchema,
        long upTo, IReadOnlyList<string> tables, CancellationToken cancellationToken)
    {
        var results = new List<TableComparison>();
        foreach (var table in tables)
        {
            results.Add(await CompareTableAsync(dataSource, $"{rebuiltSchema}.{table}", $"{liveSchema}.{table}", upTo, table, cancellationToken));
        }

        return new ConsistencyResult(results.All(r => r.Equal), upTo, results);
    }

    private static async Task<TableComparison> CompareTableAsync(NpgsqlDataSource dataSource, string rebuilt, string live, long upTo,
        string table, CancellationToken cancellationToken)
    {
        var sides = $"""
            WITH moved AS (SELECT id FROM {rebuilt} WHERE (data ->> 'lastSequence')::bigint > $1),
                 r AS (SELECT id, data FROM {rebuilt} WHERE id NOT IN (SELECT id FROM moved)),
                 l AS (SELECT id, data FROM {(await ExistsAsync(dataSource, live, cancellationToken) ? live : rebuilt + " WHERE false")} WHERE id NOT IN (SELECT id FROM moved))
            """;
        await using var summary = dataSource.CreateCommand($"""
            {sides}
            SELECT (SELECT count(*) FROM r), (SELECT md5(coalesce(string_agg(id || '=' || data::text, E'\n' ORDER BY id COLLATE "C"), '')) FROM r),
                   (SELECT count(*) FROM l), (SELECT md5(coalesce(string_agg(id || '=' || data::text, E'\n' ORDER BY id COLLATE "C"), '')) FROM l),
                   (SELECT count(*) FROM moved),
                   (SELECT count(*) FROM r FULL JOIN l ON r.id = l.id WHERE r.data IS DISTINCT FROM l.data)
            """);
        summary.Parameters.Add(new() { Value = upTo });
        TableSide rebuiltSide, liveSide;
        long notCompared, differing;
        // Disposed once, at the end of this block: Npgsql reuses a connection's reader object, so a second dispose
        // after the connection went back to the pool closes whichever request's reader it serves by then.
        await using (var reader = await summary.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (rebuiltSide, liveSide) = (new TableSide(reader.GetInt64(0), reader.GetString(1)), new TableSide(reader.GetInt64(2), reader.GetString(3)));
            (notCompared, differing) = (reader.GetInt64(4), reader.GetInt64(5));
        }

        var differences = new List<ViewDifference>();
        if (differing > 0)
        {
            await using var diff = dataSource.CreateCommand($"""
                {sides}
                SELECT coalesce(r.id, l.id), CASE WHEN l.id IS NULL THEN 'missing-in-live' WHEN r.id IS NULL THEN 'missing-in-rebuilt' ELSE 'differs' END
                FROM r FULL JOIN l ON r.id = l.id WHERE r.data IS DISTINCT FROM l.data ORDER BY 1 LIMIT {MaxDifferencesShown}
                """);
            diff.Parameters.Add(new() { Value = upTo });
            await using var rows = await diff.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
            {
                differences.Add(new ViewDifference(rows.GetString(0), rows.GetString(1)));
            }
        }

        return new TableComparison(table, differing == 0 && rebuiltSide == liveSide, rebuiltSide, liveSide, notCompared, differing, differences);
    }

    private static async Task<bool> ExistsAsync(NpgsqlDataSource dataSource, string table, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT to_regclass($1) IS NOT NULL");
        command.Parameters.Add(new() { Value = table });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

/// <summary>The check's answer: <c>Equal</c> when every table has the same views, count and checksum.</summary>
public sealed record ConsistencyResult(bool Equal, long UpToSequence, IReadOnlyList<TableComparison> Tables);

/// <param name="NotCompared">Views the consumers changed after the swap (past <c>UpToSequence</c>), left out of both sides.</param>
/// <param name="Differing">How many ids differ; <c>Differences</c> names the first 100.</param>
public sealed record TableComparison(string Table, bool Equal, TableSide Rebuilt, TableSide Live, long NotCompared, long Differing, IReadOnlyList<ViewDifference> Differences);

public sealed record TableSide(long Count, string Checksum);

/// <param name="Kind"><c>differs</c>, <c>missing-in-live</c> or <c>missing-in-rebuilt</c>.</param>
public sealed record ViewDifference(string Id, string Kind);
