using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Platform.Projection.ReadModel;
using Platform.ServiceDefaults;

namespace Platform.Projection.Consuming;

/// <summary>
/// Whether this replica can prove its read model and cache are fresh: its bus is connected, and no revocation
/// committed in the store more than <see cref="ProjectionOptions.MaxLag"/> ago is still unapplied here.
/// </summary>
/// <remarks>
/// Lag is measured on what matters for "never active after revocation": the revocation-kind events
/// (<see cref="RevocationEvents"/>) this replica receives on its own eviction queue. A timer reads the new ones
/// from the store (<c>platform.mt_events</c>, from a cursor through the partial index of those events that the
/// writers create, so the read stays small however many other events the store holds), and each stays pending
/// until this replica applied it. Lag in events is the number pending; lag in seconds is the age of
/// the oldest. Measuring the store's whole high-water mark instead would never reach zero: most events
/// (sign-ins, scopes) are not projected, and replicas share the durable queues, so none sees every event.
/// </remarks>
public sealed class ReplicaFreshness : BackgroundService, IHealthCheck
{
    /// <summary>
    /// The poll: revocation-kind events above a sequence. It repeats the index's predicate word for word, so that
    /// PostgreSQL reads <see cref="RevocationEvents.IndexName"/> whether the plan is custom or generic.
    /// </summary>
    public static string StoreQuery { get; } = $"""
        SELECT seq_id, timestamp FROM platform.mt_events
        WHERE seq_id > $1 AND {RevocationEvents.Predicate} ORDER BY seq_id LIMIT 10000
        """;

    // Sequences are taken before commit, so a lower one can become visible after a higher one: re-read a window.
    private const long RescanWindow = 500;
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(200);

    private readonly NpgsqlDataSource dataSource;
    private readonly IBusControl bus;
    private readonly TimeProvider time;
    private readonly ProjectionOptions options;
    private readonly ILogger<ReplicaFreshness> logger;
    private readonly ConcurrentDictionary<long, DateTimeOffset> pending = new();
    private readonly ConcurrentDictionary<long, byte> applied = new();
    private readonly HashSet<long> seen = [];
    private long cursor = -1;
    private volatile bool busConnected;
    private volatile bool storeReadable;

    public ReplicaFreshness(
        ProjectionDataSource dataSource, IBusControl bus, TimeProvider time, ProjectionOptions options, IMeterFactory meters, ILogger<ReplicaFreshness> logger)
    {
        this.dataSource = dataSource.Value;
        this.bus = bus;
        this.time = time;
        this.options = options;
        this.logger = logger;
        var meter = meters.Create(ServiceDefaults.PlatformMeters.Projection);
        meter.CreateObservableGauge("platform.projection.lag.events", () => (long)pending.Count, unit: "{event}",
            description: "Revocation-kind events committed in the store and not yet applied by this replica.");
        meter.CreateObservableGauge("platform.projection.lag.seconds", () => LagSeconds, unit: "s",
            description: "Age of the oldest revocation-kind event committed in the store and not yet applied by this replica.");
    }

    public long LagEvents => pending.Count;

    public double LagSeconds
    {
        get
        {
            var now = time.GetUtcNow();
            var oldest = pending.Values.DefaultIfEmpty(now).Min();
            return Math.Max(0, (now - oldest).TotalSeconds);
        }
    }

    /// <summary>Fresh: the feed is up, the store was read, and nothing pending is older than the bound.</summary>
    public bool IsFresh => busConnected && storeReadable && LagSeconds <= options.MaxLag.TotalSeconds;

    /// <summary>This replica applied a revocation-kind event from its own eviction queue.</summary>
    public void Applied(long sequence)
    {
        applied.TryAdd(sequence, 0);
        pending.TryRemove(sequence, out _);
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lag = LagSeconds;
        var description = $"{LagEvents} revocation(s) pending, oldest {lag:0.###} s (bound {options.MaxLag.TotalSeconds:0.###} s)";
        // Ready means exactly what IsFresh means, so a caller told "ready" gets answers from the read model.
        if (!storeReadable)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The event store could not be read."));
        }

        if (!busConnected)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("This replica has not seen its bus connected; introspection reads the writers' documents."));
        }

        return Task.FromResult(lag <= options.MaxLag.TotalSeconds ? HealthCheckResult.Healthy(description) : HealthCheckResult.Unhealthy(description));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            busConnected = bus.CheckHealth().Status == BusHealthStatus.Healthy;
            try
            {
                await ReadStoreAsync(stoppingToken);
                storeReadable = true;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                storeReadable = false;
                logger.LogWarning(exception, "Cannot read the event store to measure projection lag; introspection reads the writers' documents");
            }

            try
            {
                await Task.Delay(CheckInterval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ReadStoreAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(StoreQuery);
        var first = cursor < 0;
        var from = first ? await HighWaterAsync(cancellationToken) - RescanWindow : cursor - RescanWindow;
        command.Parameters.Add(new NpgsqlParameter { Value = Math.Max(0, from) });
        var highest = Math.Max(cursor, from);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var sequence = reader.GetInt64(0);
                highest = Math.Max(highest, sequence);
                // What was committed before this replica started was its durable queues' job, not its eviction queue's.
                if (seen.Add(sequence) && !first && !applied.ContainsKey(sequence))
                {
                    pending.TryAdd(sequence, reader.GetFieldValue<DateTimeOffset>(1));
                }
            }
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // No writer has created the store yet: nothing can be pending.
        }

        cursor = Math.Max(highest, first ? from + RescanWindow : cursor);
        seen.RemoveWhere(sequence => sequence <= cursor - RescanWindow);
        foreach (var sequence in applied.Keys.Where(sequence => sequence <= cursor - RescanWindow))
        {
            applied.TryRemove(sequence, out _);
        }
    }

    private async Task<long> HighWaterAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT coalesce(max(seq_id), 0) FROM platform.mt_events");
        try
        {
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }
}
