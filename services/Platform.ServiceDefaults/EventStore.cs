using JasperFx;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Contracts;
using Weasel.Core;

namespace Platform.ServiceDefaults;

/// <summary>The Marten event store every writer shares, and the PostgreSQL health check.</summary>
public static class EventStore
{
    public const string PostgresKey = "ConnectionStrings:Postgres";
    public const string Schema = "platform";

    public static string PostgresConnectionString(this WebApplicationBuilder builder) =>
        Pooled(builder.Configuration.Require(PostgresKey, "the PostgreSQL connection string (for example Host=127.0.0.1;Port=5432;Database=platform;Username=postgres)"));

    /// <summary>
    /// The connection string as the services use it: a connection returned to the pool is not reset with
    /// <c>DISCARD ALL</c> (a round trip and a transaction each time; the services open several per token and
    /// leave no session state behind: no temporary tables, no <c>SET</c>, no session-level locks outside
    /// Marten's leader connection, which stays open). An explicit <c>No Reset On Close</c> in the setting wins.
    /// </summary>
    public static string Pooled(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("reset on close", StringComparison.OrdinalIgnoreCase))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Adds the event store with the catalogue's pinned event names. <paramref name="configure"/> adds the
    /// service's documents, projections and subscriptions; every service that writes must register the
    /// same documents (Platform.Identity does it for the writers) so that schema migrations agree.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddPlatformEventStore(
        this WebApplicationBuilder builder, Action<StoreOptions> configure)
    {
        var connectionString = builder.PostgresConnectionString();
        builder.Services.AddHealthChecks().AddNpgSql(connectionString, name: "postgres", tags: [ServiceDefaults.ReadyTag]);
        return builder.Services
            .AddMarten(options =>
            {
                ConfigureEventStore(options, connectionString);
                configure(options);
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
    }

    /// <summary>The store settings shared by every writer, and by tools that read the store (audit, tests).</summary>
    public static void ConfigureEventStore(StoreOptions options, string connectionString)
    {
        options.Connection(connectionString);
        options.DatabaseSchemaName = Schema;
        options.Events.DatabaseSchemaName = Schema;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

        // Stream ids are OpenIddict identifiers (strings); Rich appends give projections their stream version,
        // which is what OpenIddict's concurrency tokens map to.
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Events.AppendMode = EventAppendMode.Rich;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.HeadersEnabled = true;
        // Appends notify per stream kind, so each relay wakes for its own events only (Bus/AppendNotification).
        options.Events.UseListenNotifyForEventAppends = false;

        foreach (var definition in EventCatalogue.All)
        {
            options.Events.MapEventType(definition.Type, definition.StoredName);
        }

        // Projection replicas read the revocation-kind events by sequence five times a second (ReplicaFreshness).
        options.AddRevocationIndex();

        options.Listeners.Add(new EventStamp.Listener());
        options.Listeners.Add(new Bus.AppendNotification());

        // A span per session's connection, parent of Npgsql's command spans; a counter of appended events by type.
        options.OpenTelemetry.TrackConnections = JasperFx.OpenTelemetry.TrackLevel.Normal;
        options.OpenTelemetry.TrackEventCounters();

        // A revocation that the relay skips is a token that stays active: never skip, stop and retry instead.
        options.Projections.Errors.SkipApplyErrors = false;
        options.Projections.Errors.SkipSerializationErrors = false;
        options.Projections.Errors.SkipUnknownEvents = false;
    }

    /// <summary>
    /// Quick appends for a service whose every append names its stream version: a new stream
    /// (<c>StartStream</c>) or an append expecting the version it read. The database then numbers the events in
    /// the write itself, and the round trip that reserves sequence numbers before each save (Rich appends) is gone.
    /// Marten versions such events on the client (from zero for a new stream, from the expected version otherwise),
    /// so inline projections still get the stream version OpenIddict's concurrency checks use. An append without an
    /// expected version would give them a wrong one: services that make such appends (a user's sign-out, for one)
    /// keep Rich appends. The schema is the same in both modes, so services of either kind share it.
    /// </summary>
    public static StoreOptions UseQuickAppends(this StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Events.AppendMode = EventAppendMode.Quick;
        return options;
    }

    public static NpgsqlDataSource CreateDataSource(string connectionString) => NpgsqlDataSource.Create(connectionString);
}
