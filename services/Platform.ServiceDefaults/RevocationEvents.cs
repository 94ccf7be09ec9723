using System.Data.Common;
using System.Text.RegularExpressions;
using Marten;
using Platform.Contracts;
using Platform.Contracts.Events;
using Weasel.Core;
using Weasel.Core.Migrations;
using Weasel.Postgresql;
using DbCommandBuilder = Weasel.Core.DbCommandBuilder;

namespace Platform.ServiceDefaults;

/// <summary>
/// The revocation-kind events (those after which a token must stop being active) and the partial index of
/// <c>platform.mt_events</c> that finds them by sequence. Each projection replica reads the new ones about five
/// times a second to know whether it is behind on one (Platform.Projection's <c>ReplicaFreshness</c>); they are a
/// small share of the store, so without the index each read walked every event since the last revocation.
/// </summary>
/// <remarks>
/// The writers add the index with the event store (<see cref="EventStore.ConfigureEventStore"/>), so it is
/// created when they apply the schema (at start-up and by <c>apply-schema</c>) and checked by
/// <c>wait-for-schema</c>. Marten is told to leave it alone: it is not part of Marten's own <c>mt_events</c>.
/// </remarks>
public static partial class RevocationEvents
{
    public const string IndexName = "mt_events_revocations";

    public static IReadOnlyList<Type> Types { get; } =
        [typeof(TokenRevoked), typeof(TokenPruned), typeof(GrantRevoked), typeof(ClientDisabled), typeof(UserDisabled)];

    public static IReadOnlyList<string> StoredNames { get; } = [.. Types.Select(type => EventCatalogue.Of(type).StoredName)];

    /// <summary>
    /// The index's predicate, for a query to repeat word for word. PostgreSQL uses a partial index only when it can
    /// prove the query's condition implies the index's. The same literal list does, whatever the other parameters,
    /// in a prepared (generic) plan too; the names passed as an array parameter (<c>type = ANY($2)</c>) do only in a
    /// custom plan, and a generic one walks the primary key through every event instead.
    /// </summary>
    public static string Predicate { get; } =
        $"type IN ({string.Join(", ", StoredNames.Select(name => $"'{name.Replace("'", "''", StringComparison.Ordinal)}'"))})";

    /// <summary>Adds the index to the store's schema; <see cref="EventStore.ConfigureEventStore"/> calls it.</summary>
    public static StoreOptions AddRevocationIndex(this StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Without this, Marten's migration of mt_events would drop the index as one it does not know.
        options.Events.IgnoreIndex(IndexName);
        options.Storage.Add(new Feature(options));
        return options;
    }

    [GeneratedRegex("'((?:[^']|'')*)'")]
    private static partial Regex QuotedLiteral();

    /// <summary>Yielded after Marten's event tables, so <c>mt_events</c> exists when the index is created.</summary>
    private sealed class Feature(StoreOptions options) : FeatureSchemaBase("RevocationIndex", options.Advanced.Migrator)
    {
        protected override IEnumerable<ISchemaObject> schemaObjects()
        {
            yield return new Index(options.Events.DatabaseSchemaName);
        }
    }

    private sealed class Index(string schema) : ISchemaObject
    {
        public DbObjectName Identifier { get; } = new PostgresqlObjectName(schema, IndexName, SchemaUtils.IdentifierUsage.General);

        public void WriteCreateStatement(Migrator migrator, TextWriter writer) =>
            writer.WriteLine($"CREATE INDEX IF NOT EXISTS {IndexName} ON {schema}.mt_events (seq_id) WHERE {Predicate};");

        public void WriteDropStatement(Migrator rules, TextWriter writer) =>
            writer.WriteLine($"DROP INDEX IF EXISTS {Identifier};");

        public void ConfigureQueryCommand(DbCommandBuilder builder)
        {
            var schemaParameter = builder.AddParameter(schema).ParameterName;
            var nameParameter = builder.AddParameter(IndexName).ParameterName;
            builder.Append($"""
                SELECT t.relname, am.amname, i.indisvalid, i.indnatts = 1 AND pg_get_indexdef(i.indexrelid, 1, true) = 'seq_id',
                       coalesce(pg_get_expr(i.indpred, i.indrelid), '')
                FROM pg_index i
                JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_class t ON t.oid = i.indrelid
                JOIN pg_am am ON am.oid = c.relam
                WHERE n.nspname = :{schemaParameter} AND c.relname = :{nameParameter};
                """);
        }

        public async Task<ISchemaObjectDelta> CreateDeltaAsync(DbDataReader reader, CancellationToken ct = default)
        {
            if (!await reader.ReadAsync(ct))
            {
                return new SchemaObjectDelta(this, SchemaPatchDifference.Create);
            }

            var matches = reader.GetString(0) == "mt_events" && reader.GetString(1) == "btree" && reader.GetBoolean(2) && reader.GetBoolean(3)
                && Names(reader.GetString(4)).SetEquals(StoredNames);
            // An index left invalid by a failed build, or made for another list of events, is dropped and made again.
            return new SchemaObjectDelta(this, matches ? SchemaPatchDifference.None : SchemaPatchDifference.Update);
        }

        public IEnumerable<DbObjectName> AllNames()
        {
            yield return Identifier;
        }

        private static HashSet<string> Names(string predicate) =>
            [.. QuotedLiteral().Matches(predicate).Select(match => match.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal))];
    }
}
