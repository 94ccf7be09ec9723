using System.Diagnostics.Metrics;
using Marten;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.ServiceDefaults.Bus;

/// <summary>
/// How far this service's relay is behind the event store: <c>platform.relay.lag.events</c> (events of the owned
/// stream kinds committed after the relay's recorded position) and <c>platform.relay.lag.seconds</c> (the age of the
/// oldest of them). Read from the store every <see cref="CheckInterval"/> by every replica, the passive ones too,
/// so a relay that stalls (broker away, leader gone) shows as a lag that grows, whichever replica is asked.
/// </summary>
public sealed class RelayLag : BackgroundService
{
    /// <summary>Counting stops here: a backlog this long is an incident whatever its exact size.</summary>
    public const int CountLimit = 100_000;

    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    private readonly IDocumentStore store;
    private readonly RelayScope scope;
    private readonly ILogger<RelayLag> logger;
    private long events;
    private double seconds;

    public RelayLag(IDocumentStore store, RelayScope scope, IMeterFactory meters, ILogger<RelayLag> logger)
    {
        this.store = store;
        this.scope = scope;
        this.logger = logger;
        var meter = meters.Create(PlatformMeters.Relay);
        meter.CreateObservableGauge("platform.relay.lag.events", () => Interlocked.Read(ref events), unit: "{event}",
            description: $"Events of the relayed kinds committed and not yet published (counted up to {CountLimit}).");
        meter.CreateObservableGauge("platform.relay.lag.seconds", () => Volatile.Read(ref seconds), unit: "s",
            description: "Age of the oldest event of the relayed kinds committed and not yet published.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval);
        do
        {
            try
            {
                await MeasureAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Cannot read the event store to measure the relay's lag");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task MeasureAsync(CancellationToken cancellationToken)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"""
            SELECT count(*), min(pending.timestamp) FROM (
              SELECT e.timestamp FROM {EventStore.Schema}.mt_events e
              WHERE e.seq_id > coalesce((SELECT last_seq_id FROM {EventStore.Schema}.mt_event_progression WHERE name = $1), 0)
                AND e.type = ANY($2)
              ORDER BY e.seq_id LIMIT {CountLimit}) pending
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = scope.ProgressionName });
        command.Parameters.Add(new NpgsqlParameter { Value = scope.StoredNames.ToArray() });
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var count = reader.GetInt64(0);
            var oldest = reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1);
            Interlocked.Exchange(ref events, count);
            Volatile.Write(ref seconds, oldest is { } at ? Math.Max(0, (DateTimeOffset.UtcNow - at).TotalSeconds) : 0);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // The store is not created yet: nothing can be pending.
        }
    }
}

/// <summary>What one service's relay covers: its position's name in the store and the stored names of the events it publishes.</summary>
public sealed record RelayScope(string ProgressionName, IReadOnlyList<string> StoredNames);
