using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using Platform.Projection.Audit;
using Platform.Projection.Introspection;
using Platform.ServiceDefaults;

namespace Platform.Projection.Rebuilding;

/// <summary>
/// <c>POST /admin/projections/rebuild</c> starts (or resumes) a rebuild in the background; <c>GET</c> reports the
/// latest one: state, events done and total, rate, ETA, and the consistency check once done. Callers present a
/// bearer access token with the <c>platform.admin</c> scope, checked as the audit API checks its callers.
/// </summary>
public static class RebuildEndpoints
{
    public const string Scope = "platform.admin";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static WebApplicationBuilder AddProjectionRebuild(this WebApplicationBuilder builder)
    {
        // The rebuild's bulk inserts leave temporary tables on their connection: its own pool resets connections
        // on close (the services' pools do not: EventStore.Pooled), or the next page finds the table there.
        var connectionString = new NpgsqlConnectionStringBuilder(builder.PostgresConnectionString()) { NoResetOnClose = false }.ConnectionString;
        builder.Services.AddSingleton(services => new RebuildRunner(connectionString,
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<RebuildRunner>>(),
            services.GetRequiredService<IHostApplicationLifetime>()));
        return builder;
    }

    public static WebApplication MapProjectionRebuild(this WebApplication app)
    {
        var admin = app.MapGroup("/admin/projections").AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            http.Response.Headers.CacheControl = "no-store";
            return await AuditCaller.RefusalAsync(http.Request, http.RequestServices.GetRequiredService<TokenLookup>(),
                http.RequestServices.GetRequiredService<TimeProvider>(), Scope, http.RequestAborted) ?? await next(context);
        });

        admin.MapPost("/rebuild", async (RebuildRunner runner, CancellationToken cancellationToken) =>
            await runner.TryStartAsync(cancellationToken) is { } run
                ? Results.Json(Progress(run, active: true), Json, statusCode: StatusCodes.Status202Accepted)
                : Results.Json(await runner.LatestAsync(cancellationToken) is { } running ? Progress(running, active: true) : null, Json,
                    statusCode: StatusCodes.Status409Conflict));
        admin.MapGet("/rebuild", async (RebuildRunner runner, CancellationToken cancellationToken) =>
            await runner.LatestAsync(cancellationToken) is { } run
                ? Results.Json(Progress(run, await runner.IsActiveAsync(cancellationToken)), Json)
                : Results.Problem(statusCode: StatusCodes.Status404NotFound, detail: "No rebuild has run."));
        return app;
    }

    /// <summary>What <c>./platform replay</c> shows.</summary>
    public static object Progress(RebuildRun run, bool active) => new
    {
        run.Id,
        run.State,
        Active = active,
        run.EventsDone,
        run.EventsTotal,
        Percent = run.EventsTotal == 0 ? 100 : Math.Round(100.0 * Math.Min(run.EventsDone, run.EventsTotal) / run.EventsTotal, 1),
        EventsPerSecond = Math.Round(run.Rate),
        EtaSeconds = run.EtaSeconds is { } eta ? Math.Round(eta, 1) : (double?)null,
        run.TargetSequence,
        run.LastSequence,
        run.ResumedFrom,
        run.CaughtUp,
        run.SwapSequence,
        run.StartedAt,
        run.UpdatedAt,
        run.FinishedAt,
        ElapsedSeconds = Math.Round(((run.FinishedAt ?? run.UpdatedAt) - run.StartedAt).TotalSeconds, 1),
        run.Error,
        run.Consistency,
    };
}

/// <summary>Runs one rebuild at a time in the background of this replica; the advisory lock keeps other replicas out.</summary>
public sealed class RebuildRunner(string connectionString, TimeProvider time, ILogger<RebuildRunner> logger, IHostApplicationLifetime lifetime) : IAsyncDisposable
{
    private readonly NpgsqlDataSource dataSource = EventStore.CreateDataSource(connectionString);

    public RebuildOptions Options { get; init; } = new();

    /// <summary>The run taken up, null when a rebuild is already running (here or in another replica).</summary>
    public async Task<RebuildRun?> TryStartAsync(CancellationToken cancellationToken)
    {
        var rebuild = new ProjectionRebuild(dataSource, connectionString, time, Options);
        var lease = await rebuild.TryBeginAsync(cancellationToken);
        if (lease is null)
        {
            return null;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var done = await rebuild.RunAsync(lease, lifetime.ApplicationStopping);
                logger.LogInformation("Projection rebuild {Run} completed: {Events} events, consistency {Consistency}", done.Id, done.EventsDone, done.Consistency);
            }
            catch (OperationCanceledException)
            {
                logger.LogWarning("Projection rebuild {Run} stopped with the service; the next start resumes it", lease.Run.Id);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Projection rebuild {Run} failed; the next start resumes it", lease.Run.Id);
            }
        }, CancellationToken.None);
        return lease.Run;
    }

    public Task<RebuildRun?> LatestAsync(CancellationToken cancellationToken) =>
        RebuildRuns.LatestAsync(dataSource, unfinishedOnly: false, cancellationToken);

    /// <summary>Whether some replica holds the rebuild lock right now (a run not finished and not active was killed: start it again to resume).</summary>
    public async Task<bool> IsActiveAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1 AND objsubid = 1
                AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))
            """);
        command.Parameters.Add(new() { Value = (long)(uint)ProjectionRebuild.LockKey });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
