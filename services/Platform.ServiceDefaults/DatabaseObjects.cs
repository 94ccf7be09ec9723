using Npgsql;

namespace Platform.ServiceDefaults;

/// <summary>
/// Tables a service creates itself in PostgreSQL, outside Marten's schema (signing keys, data-protection keys).
/// Registered as <see cref="IDatabaseObjects"/>, so <c>apply-schema</c> creates them and <c>wait-for-schema</c>
/// checks them beside Marten's.
/// </summary>
public interface IDatabaseObjects
{
    /// <summary>What they are, for messages (a table name).</summary>
    string Name { get; }

    /// <summary>Creates or updates them; harmless when they are already as this release expects.</summary>
    Task ApplyAsync(CancellationToken cancellationToken);

    /// <summary>Null when they exist as this release expects; else what is missing. Changes nothing.</summary>
    Task<string?> FindMissingAsync(CancellationToken cancellationToken);
}

/// <summary>A seeder to run by <c>apply-schema</c> (the service runs the same one at start-up).</summary>
/// <param name="Name">Its name, for messages.</param>
/// <param name="Run">Creates what the seed file has and the database has not.</param>
public sealed record DatabaseSeed(string Name, Func<CancellationToken, Task> Run);

/// <summary>Checks that a table exists with the columns a release reads.</summary>
public static class DatabaseTables
{
    /// <summary>Null when <paramref name="schema"/>.<paramref name="table"/> has every column; else what is missing.</summary>
    public static async Task<string?> FindMissingAsync(
        NpgsqlDataSource dataSource, string schema, string table, IReadOnlyCollection<string> columns, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                present.Add(reader.GetString(0));
            }
        }

        if (present.Count == 0)
        {
            return $"table {schema}.{table} does not exist";
        }

        var missing = columns.Where(column => !present.Contains(column)).ToList();
        return missing.Count == 0 ? null : $"table {schema}.{table} lacks {string.Join(", ", missing)}";
    }
}
