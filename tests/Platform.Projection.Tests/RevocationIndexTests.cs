using Marten;
using Npgsql;
using Platform.Contracts;
using Platform.Contracts.Events;
using Platform.Projection.Consuming;
using Platform.ServiceDefaults;
using Platform.Testing;
using Weasel.Core.Migrations;
using Xunit;

namespace Platform.Projection.Tests;

/// <summary>
/// The partial index of revocation-kind events on <c>platform.mt_events</c>: the writers' schema creates and keeps
/// it, <c>wait-for-schema</c>'s check sees when it is missing or outdated, and the replica's freshness poll reads
/// through it instead of through every other event.
/// </summary>
public sealed class RevocationIndexTests
{
    private const int OtherEvents = 50_000;

    [Fact]
    public void RevocationEvents_AreExactlyWhatTheEvictionQueueApplies()
    {
        var applied = typeof(EvictionConsumer).GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(MassTransit.IConsumer<>))
            .Select(i => i.GetGenericArguments()[0].GetGenericArguments()[0]);
        Assert.Equal(applied.Select(type => type.FullName).Order(), RevocationEvents.Types.Select(type => type.FullName).Order());
        Assert.Equal(
            "type IN ('token_revoked', 'token_pruned', 'grant_revoked', 'client_disabled', 'user_disabled')",
            RevocationEvents.Predicate);
    }

    [Fact]
    public async Task FreshnessPoll_StoreOfManyOtherEvents_ReadsTheRevocationIndex()
    {
        var postgres = await TestServers.CreateDatabaseAsync("revocation_index_plan");
        using var writers = DocumentStore.For(options => EventStore.ConfigureEventStore(options, postgres));
        await writers.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        var revoked = new List<long>();
        await using (var session = writers.LightweightSession())
        {
            session.Events.Append("scope-api", new ScopeDefined("scope-api", "api", "Call the API", null, [], DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        await using var dataSource = NpgsqlDataSource.Create(postgres);
        // Tens of thousands of events, none of them a revocation (copies of a real row), as after a client_credentials load.
        await using (var copy = dataSource.CreateCommand($"""
            INSERT INTO platform.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
            SELECT nextval('platform.mt_events_sequence'), gen_random_uuid(), stream_id, version + g, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived
            FROM platform.mt_events, generate_series(1, {OtherEvents}) g
            """))
        {
            await copy.ExecuteNonQueryAsync();
        }

        foreach (var i in Enumerable.Range(0, 3))
        {
            await using var session = writers.LightweightSession();
            session.Events.Append($"revoked-{i}", new TokenRevoked($"revoked-{i}", RevocationReasons.Admin, DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
            revoked.Add((await session.Events.FetchStreamAsync($"revoked-{i}")).Single().Sequence);
        }

        await using (var analyze = dataSource.CreateCommand("ANALYZE platform.mt_events"))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        // With a value (a custom plan), and prepared once for every value (a generic plan, which a pooled,
        // auto-preparing connection may settle on): both read the index, neither the table nor its primary key.
        var custom = await ExplainAsync(connection, $"EXPLAIN {ReplicaFreshness.StoreQuery}", 0L);
        await ExecuteAsync(connection, "SET plan_cache_mode = force_generic_plan");
        await ExecuteAsync(connection, $"PREPARE freshness_poll(bigint) AS {ReplicaFreshness.StoreQuery}");
        var generic = await ExplainAsync(connection, "EXPLAIN EXECUTE freshness_poll(0)");
        foreach (var plan in new[] { custom, generic })
        {
            Assert.Contains($"Index Scan using {RevocationEvents.IndexName} on mt_events", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Seq Scan", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("Filter", plan, StringComparison.Ordinal);
        }

        // And it reads exactly the revocations, from any point.
        Assert.Equal(revoked, await PollAsync(connection, 0));
        Assert.Equal(revoked[1..], await PollAsync(connection, revoked[0]));
    }

    [Fact]
    public async Task Schema_AppliedAgainMissingOrOutdated_CheckSeesItAndApplyMakesIt()
    {
        var postgres = await TestServers.CreateDatabaseAsync("revocation_index_schema");
        using var writers = DocumentStore.For(options => EventStore.ConfigureEventStore(options, postgres));
        await using var dataSource = NpgsqlDataSource.Create(postgres);

        await writers.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        Assert.Equal(RevocationEvents.StoredNames.Order(), await IndexedNamesAsync(dataSource));
        // A second writer starting (each applies the schema): Marten keeps the index it does not own.
        await writers.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        Assert.Equal(RevocationEvents.StoredNames.Order(), await IndexedNamesAsync(dataSource));
        await writers.Storage.Database.AssertDatabaseMatchesConfigurationAsync();

        // An index from a release that knew fewer revocation kinds, then none at all: wait-for-schema's check
        // fails, and applying the schema (start-up, apply-schema) puts this release's index back.
        foreach (var outdated in new[]
        {
            $"DROP INDEX platform.{RevocationEvents.IndexName}; CREATE INDEX {RevocationEvents.IndexName} ON platform.mt_events (seq_id) WHERE type IN ('token_revoked')",
            $"DROP INDEX platform.{RevocationEvents.IndexName}",
        })
        {
            await ExecuteAsync(dataSource, outdated);
            await Assert.ThrowsAsync<DatabaseValidationException>(() => writers.Storage.Database.AssertDatabaseMatchesConfigurationAsync());
            await writers.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            Assert.Equal(RevocationEvents.StoredNames.Order(), await IndexedNamesAsync(dataSource));
            await writers.Storage.Database.AssertDatabaseMatchesConfigurationAsync();
        }
    }

    /// <summary>The event types the index's predicate names, read back from PostgreSQL; empty when there is no such index.</summary>
    private static async Task<List<string>> IndexedNamesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT name FROM pg_indexes, regexp_matches(indexdef, '''([a-z_]+)''', 'g') AS found(name)
            WHERE schemaname = 'platform' AND tablename = 'mt_events' AND indexname = $1 AND indexdef LIKE '%USING btree (seq_id) WHERE%'
            ORDER BY 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = RevocationEvents.IndexName });
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetFieldValue<string[]>(0)[0]);
        }

        return names;
    }

    private static async Task<List<long>> PollAsync(NpgsqlConnection connection, long after)
    {
        await using var command = new NpgsqlCommand(ReplicaFreshness.StoreQuery, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        var sequences = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            sequences.Add(reader.GetInt64(0));
        }

        return sequences;
    }

    private static async Task<string> ExplainAsync(NpgsqlConnection connection, string explain, params long[] parameters)
    {
        await using var command = new NpgsqlCommand(explain, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
