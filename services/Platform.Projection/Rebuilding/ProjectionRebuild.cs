using System.Text.Json;
using Marten;
using Npgsql;
using Platform.Projection.ReadModel;
using Platform.ServiceDefaults;
using Weasel.Core;

namespace Platform.Projection.Rebuilding;

/// <param name="PageSize">Events read from the store, applied and written per page (one progress record per page).</param>
/// <param name="CatchUpOverlap">
/// How far below the last sequence done each catch-up pass re-reads: sequences are taken before commit, so a lower
/// one can become visible after a higher one. Re-applying an event is harmless (the evolutions are idempotent).
/// </param>
/// <param name="AfterPage">Called after each page is recorded (tests stop a rebuild midway with it).</param>
public sealed record RebuildOptions(int PageSize = 5_000, long CatchUpOverlap = 10_000, int MaxCachedViews = 250_000, Action<RebuildRun>? AfterPage = null);

/// <summary>
/// Rebuilds the read model from the whole event store into fresh tables and swaps them in. Read: <c>platform.mt_events</c>
/// in global sequence order, in pages, only the kinds the consumers keep (<see cref="RebuildDispatch"/>). Write: the
/// same Marten documents, in a schema of their own (<c>projection_rebuild_&lt;run&gt;</c>), by bulk upsert. Progress
/// is recorded after every page, so a rebuild killed midway resumes from its last sequence. At the end: catch up with
/// what was appended meanwhile, then in one transaction lock the live tables against writes, apply the last events, and
/// move the live tables out (<c>projection_retired_&lt;run&gt;</c>) and the fresh ones in; then compare the two.
/// One rebuild at a time across replicas: a PostgreSQL advisory lock, released when its connection ends.
/// </summary>
public sealed class ProjectionRebuild(NpgsqlDataSource dataSource, string connectionString, TimeProvider time, RebuildOptions options)
{
    /// <summary>The advisory lock key (<c>pg_try_advisory_lock</c>) held while a rebuild runs.</summary>
    public const long LockKey = 0x70726f6a; // "proj"

    public static IReadOnlyList<string> Tables { get; } = [.. RebuildDispatch.ViewTypes.Select(t => $"mt_doc_{t.Name.ToLowerInvariant()}")];

    /// <summary>Takes the rebuild lock and the run to work on (the unfinished one, else a new one); null when a rebuild runs elsewhere.</summary>
    public async Task<RebuildLease?> TryBeginAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using (var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockKey})", connection))
            {
                if (!(bool)(await take.ExecuteScalarAsync(cancellationToken))!)
                {
                    await connection.DisposeAsync();
                    return null;
                }
            }

            await RebuildRuns.EnsureAsync(dataSource, cancellationToken);
            var now = time.GetUtcNow();
            var run = await RebuildRuns.LatestAsync(dataSource, unfinishedOnly: true, cancellationToken);
            if (run is null)
            {
                var (target, total) = await TargetAsync(cancellationToken);
                run = await RebuildRuns.StartAsync(dataSource, target, total, now, cancellationToken);
            }

            run = run with
            {
                State = run.State == RebuildRun.Failed ? RebuildRun.Rebuilding : run.State, Error = null,
                ResumedFrom = run.LastSequence, SegmentDone = run.EventsDone, SegmentStartedAt = now, UpdatedAt = now,
            };
            await RebuildRuns.SaveAsync(dataSource, run, cancellationToken);
            return new RebuildLease(connection, run);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs (or resumes) a rebuild to the end; throws when one runs elsewhere.</summary>
    public async Task<RebuildRun> RunAsync(CancellationToken cancellationToken)
    {
        var lease = await TryBeginAsync(cancellationToken) ?? throw new InvalidOperationException("A rebuild is already running.");
        return await RunAsync(lease, cancellationToken);
    }

    public async Task<RebuildRun> RunAsync(RebuildLease lease, CancellationToken cancellationToken)
    {
        await using var _ = lease;
        var run = lease.Run;
        try
        {
            if (run.State is RebuildRun.Rebuilding or RebuildRun.CatchingUp)
            {
                run = await RebuildAndSwapAsync(run, cancellationToken);
            }

            return await CheckAsync(run, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Recorded, and resumable: the next start takes the run up from its last sequence.
            await RebuildRuns.SaveAsync(dataSource, run with { State = RebuildRun.Failed, Error = e.Message, UpdatedAt = time.GetUtcNow() }, CancellationToken.None);
            throw;
        }
    }

    private async Task<RebuildRun> RebuildAndSwapAsync(RebuildRun run, CancellationToken cancellationToken)
    {
        await using var fresh = DocumentStore.For(store => ReadModelStore.Configure(store, connectionString, run.Schema));
        await fresh.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var views = new ViewCache(fresh, options.MaxCachedViews, mustLoad: run.LastSequence > 0);

        while (run.State == RebuildRun.Rebuilding && run.LastSequence < run.TargetSequence)
        {
            var (applied, last) = await ApplyAsync(views, run.LastSequence, run.TargetSequence, options.PageSize, cancellationToken);
            run = run with { LastSequence = applied < options.PageSize ? run.TargetSequence : last, EventsDone = run.EventsDone + applied, UpdatedAt = time.GetUtcNow() };
            await RebuildRuns.SaveAsync(dataSource, run, cancellationToken);
            options.AfterPage?.Invoke(run);
        }

        // What was appended while rebuilding (the consumers wrote it to the live tables): until little is left.
        run = run with { State = RebuildRun.CatchingUp };
        while (true)
        {
            var head = await HeadAsync(cancellationToken);
            var caughtUp = await CatchUpAsync(views, run.LastSequence, head, cancellationToken);
            run = run with { LastSequence = Math.Max(run.LastSequence, head), CaughtUp = run.CaughtUp + caughtUp, UpdatedAt = time.GetUtcNow() };
            await RebuildRuns.SaveAsync(dataSource, run, cancellationToken);
            if (await HeadAsync(cancellationToken) - run.LastSequence < options.PageSize)
            {
                break;
            }
        }

        return await SwapAsync(run, views, cancellationToken);
    }

    /// <summary>
    /// One transaction: lock the live tables against writes (reads go on), apply what committed since the last pass,
    /// move the live tables to the retired schema and the fresh ones to <c>projection</c>, record the swap. A consumer
    /// blocked by the lock then writes the new tables (PostgreSQL looks a renamed table up again after a lock wait), and
    /// its optimistic concurrency check makes it reload first; every event it may have written to the old tables
    /// before the lock committed to the store before, so the last pass has it.
    /// </summary>
    private async Task<RebuildRun> SwapAsync(RebuildRun run, ViewCache views, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var live = new List<string>();
        foreach (var table in Tables)
        {
            await using var exists = new NpgsqlCommand($"SELECT to_regclass('{ReadModelStore.Schema}.{table}') IS NOT NULL", connection, transaction);
            if ((bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                live.Add($"{ReadModelStore.Schema}.{table}");
            }
        }

        await ExecuteAsync(connection, transaction, "SET LOCAL lock_timeout = '30s'", cancellationToken);
        if (live.Count > 0)
        {
            await ExecuteAsync(connection, transaction, $"LOCK TABLE {string.Join(", ", live)} IN EXCLUSIVE MODE", cancellationToken);
        }

        var head = await HeadAsync(cancellationToken);
        var caughtUp = await CatchUpAsync(views, run.LastSequence, head, cancellationToken);
        var moves = string.Join("\n", Tables.Select(table => $"""
            ALTER TABLE IF EXISTS {ReadModelStore.Schema}.{table} SET SCHEMA {run.RetiredSchema};
            ALTER TABLE {run.Schema}.{table} SET SCHEMA {ReadModelStore.Schema};
            """));
        await ExecuteAsync(connection, transaction, $"CREATE SCHEMA IF NOT EXISTS {run.RetiredSchema};\n{moves}", cancellationToken);
        run = run with
        {
            State = RebuildRun.Checking, LastSequence = Math.Max(run.LastSequence, head), SwapSequence = Math.Max(run.LastSequence, head),
            CaughtUp = run.CaughtUp + caughtUp, UpdatedAt = time.GetUtcNow(),
        };
        await RebuildRuns.SaveAsync(dataSource, run, cancellationToken, connection, transaction);
        await transaction.CommitAsync(cancellationToken);
        return run;
    }

    private async Task<RebuildRun> CheckAsync(RebuildRun run, CancellationToken cancellationToken)
    {
        var result = await ConsistencyCheck.CompareAsync(dataSource, ReadModelStore.Schema, run.RetiredSchema,
            run.SwapSequence ?? run.LastSequence, Tables, cancellationToken);
        await using (var cleanup = dataSource.CreateCommand($"""
            DROP SCHEMA IF EXISTS {run.Schema} CASCADE;
            DO $$ DECLARE old text; BEGIN
              FOR old IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'projection\_retired\_%' AND nspname <> '{run.RetiredSchema}' LOOP
                EXECUTE format('DROP SCHEMA %I CASCADE', old);
              END LOOP;
            END $$;
            """))
        {
            await cleanup.ExecuteNonQueryAsync(cancellationToken);
        }

        var now = time.GetUtcNow();
        run = run with
        {
            State = RebuildRun.Completed, UpdatedAt = now, FinishedAt = now,
            Consistency = JsonSerializer.SerializeToElement(result, RebuildEndpoints.Json),
        };
        await RebuildRuns.SaveAsync(dataSource, run, cancellationToken);
        return run;
    }

    /// <summary>Re-applies every kept event in (<paramref name="after"/> − overlap, <paramref name="upTo"/>]; returns how many.</summary>
    private async Task<long> CatchUpAsync(ViewCache views, long after, long upTo, CancellationToken cancellationToken)
    {
        var from = Math.Max(0, after - options.CatchUpOverlap);
        long total = 0;
        while (from < upTo)
        {
            var (applied, last) = await ApplyAsync(views, from, upTo, options.PageSize, cancellationToken);
            total += applied;
            from = applied < options.PageSize ? upTo : last;
        }

        return total;
    }

    /// <summary>Reads one page of kept events after <paramref name="after"/> up to <paramref name="upTo"/>, applies and writes them.</summary>
    private async Task<(int Applied, long Last)> ApplyAsync(ViewCache views, long after, long upTo, int limit, CancellationToken cancellationToken)
    {
        var page = new List<StoredRow>(limit);
        await using (var command = dataSource.CreateCommand($"""
            SELECT seq_id, stream_id, version, type, data::text FROM {EventStore.Schema}.mt_events
            WHERE seq_id > $1 AND seq_id <= $2 AND type = ANY($3) ORDER BY seq_id LIMIT $4
            """))
        {
            command.Parameters.Add(new() { Value = after });
            command.Parameters.Add(new() { Value = upTo });
            command.Parameters.Add(new() { Value = RebuildDispatch.StoredNames.ToArray() });
            command.Parameters.Add(new() { Value = limit });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                page.Add(new StoredRow(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4)));
            }
        }

        if (page.Count > 0)
        {
            await views.ApplyAsync(page, cancellationToken);
        }

        return (page.Count, page.Count > 0 ? page[^1].Sequence : upTo);
    }

    private async Task<(long Target, long Total)> TargetAsync(CancellationToken cancellationToken)
    {
        var target = await HeadAsync(cancellationToken);
        await using var count = dataSource.CreateCommand($"SELECT count(*) FROM {EventStore.Schema}.mt_events WHERE seq_id <= $1 AND type = ANY($2)");
        count.Parameters.Add(new() { Value = target });
        count.Parameters.Add(new() { Value = RebuildDispatch.StoredNames.ToArray() });
        return (target, target == 0 ? 0 : (long)(await count.ExecuteScalarAsync(cancellationToken))!);
    }

    /// <summary>The highest global sequence committed so far (0 for an empty or missing store).</summary>
    private async Task<long> HeadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT coalesce(max(seq_id), 0) FROM {EventStore.Schema}.mt_events");
        try
        {
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return 0;
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>A rebuild's hold on the lock (its connection) and the run it works on.</summary>
public sealed class RebuildLease(NpgsqlConnection connection, RebuildRun run) : IAsyncDisposable
{
    public RebuildRun Run { get; } = run;

    public async ValueTask DisposeAsync()
    {
        // A pooled connection keeps its session's advisory locks: let go of it explicitly (a dead process lets go anyway).
        try
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({ProjectionRebuild.LockKey})", connection);
            await unlock.ExecuteNonQueryAsync();
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }
}

internal sealed record StoredRow(long Sequence, string StreamId, long Version, string Type, string Data);

/// <summary>
/// The views being rebuilt, kept in memory between pages so most events cost no read. Everything written in this
/// process is in the cache, so a miss is a view that does not exist yet, until the cache overflows or the run
/// was resumed: then misses are loaded from the fresh tables.
/// </summary>
internal sealed class ViewCache(IDocumentStore fresh, int maxViews, bool mustLoad)
{
    private readonly Dictionary<(Type View, string Id), object?> views = [];

    public async Task ApplyAsync(IReadOnlyList<StoredRow> page, CancellationToken cancellationToken)
    {
        if (mustLoad)
        {
            await LoadMissingAsync(page, cancellationToken);
        }

        var dirty = new HashSet<(Type, string)>();
        foreach (var row in page)
        {
            var @event = RebuildDispatch.Deserialize(row.Type, row.Data)!;
            var key = (RebuildDispatch.ViewOf(row.Type)!, row.StreamId);
            views[key] = RebuildDispatch.Apply(views.GetValueOrDefault(key), @event, row.Version, row.Sequence);
            dirty.Add(key);
        }

        await fresh.BulkInsertDocumentsAsync(dirty.Select(key => views[key]!), BulkInsertMode.OverwriteExisting, 10_000, cancellationToken);
        if (views.Count > maxViews)
        {
            views.Clear();
            mustLoad = true;
        }
    }

    private async Task LoadMissingAsync(IReadOnlyList<StoredRow> page, CancellationToken cancellationToken)
    {
        await using var session = fresh.QuerySession();
        foreach (var group in page.Select(row => (View: RebuildDispatch.ViewOf(row.Type)!, row.StreamId)).Where(key => !views.ContainsKey(key)).Distinct().GroupBy(key => key.View))
        {
            var ids = group.Select(key => key.StreamId).ToArray();
            foreach (var id in ids)
            {
                views[(group.Key, id)] = null;
            }

            IEnumerable<object> loaded = group.Key.Name switch
            {
                nameof(TokenView) => (await session.LoadManyAsync<TokenView>(cancellationToken, ids)).Select(v => (object)v),
                nameof(ClientView) => (await session.LoadManyAsync<ClientView>(cancellationToken, ids)).Select(v => (object)v),
                nameof(GrantView) => (await session.LoadManyAsync<GrantView>(cancellationToken, ids)).Select(v => (object)v),
                nameof(UserView) => (await session.LoadManyAsync<UserView>(cancellationToken, ids)).Select(v => (object)v),
                _ => [],
            };
            foreach (var view in loaded)
            {
                views[(group.Key, IdOf(view))] = view;
            }
        }
    }

    private static string IdOf(object view) => view switch
    {
        TokenView token => token.Id,
        ClientView client => client.Id,
        GrantView grant => grant.Id,
        UserView user => user.Id,
        _ => throw new ArgumentException("Not a view.", nameof(view)),
    };
}
