using JasperFx.Events.Daemon.HighWater;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.ServiceDefaults.Bus;

/// <summary>
/// Wakes a service's async daemon (its relay) when events of the stream kinds it relays are committed
/// (<see cref="AppendNotification"/>), and at most once per <see cref="MinimumInterval"/>: under load the
/// daemon reads one page of many events instead of one page per event. Without a notification the daemon
/// polls as Marten's settings say (its fallback, and how it steps over the other kinds' events).
/// </summary>
internal sealed class RelayWakeup(NpgsqlDataSource dataSource, IReadOnlyList<string> channels, TimeSpan minimumInterval, ILogger logger)
    : IDaemonWakeup
{
    private readonly SemaphoreSlim signal = new(0);
    private readonly SemaphoreSlim connecting = new(1, 1);
    private readonly CancellationTokenSource lifetime = new();
    private NpgsqlConnection? connection;
    private long lastWakeTimestamp;

    public TimeSpan MinimumInterval { get; } = minimumInterval;

    public async Task WaitAsync(TimeSpan timeout, CancellationToken token)
    {
        try
        {
            await ListenAsync(token);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Relay cannot listen for appended events; polling every {Timeout} until PostgreSQL answers", timeout);
            await Task.Delay(timeout, token);
            return;
        }

        // A notification that came while the daemon was working returns at once: its events may not have
        // been read yet. (Draining first, as Marten's own wakeup does, loses it until the next poll.)
        await signal.WaitAsync(timeout, token);

        var sinceLastWake = TimeSpanSince(Interlocked.Read(ref lastWakeTimestamp));
        if (sinceLastWake < MinimumInterval)
        {
            await Task.Delay(MinimumInterval - sinceLastWake, token);
        }

        // What was committed until now, the daemon reads next: those notifications are spent.
        while (signal.CurrentCount > 0)
        {
            await signal.WaitAsync(0, token);
        }

        Interlocked.Exchange(ref lastWakeTimestamp, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    private static TimeSpan TimeSpanSince(long timestamp) =>
        timestamp == 0 ? TimeSpan.MaxValue : System.Diagnostics.Stopwatch.GetElapsedTime(timestamp);

    private async Task ListenAsync(CancellationToken token)
    {
        if (connection is not null)
        {
            return;
        }

        await connecting.WaitAsync(token);
        try
        {
            if (connection is not null)
            {
                return;
            }

            var opened = await dataSource.OpenConnectionAsync(token);
            opened.Notification += (_, _) => signal.Release();
            await using (var listen = opened.CreateCommand())
            {
                listen.CommandText = string.Concat(channels.Select(channel => $"LISTEN {channel};"));
                await listen.ExecuteNonQueryAsync(token);
            }

            connection = opened;
            _ = Task.Run(() => ReceiveAsync(opened, lifetime.Token), lifetime.Token);
        }
        finally
        {
            connecting.Release();
        }
    }

    private async Task ReceiveAsync(NpgsqlConnection listening, CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                await listening.WaitAsync(token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception)
        {
            // The next wait listens again; until then the daemon polls.
            logger.LogWarning(exception, "Relay lost its PostgreSQL listening connection; listening again");
            connection = null;
            signal.Release();
            await listening.DisposeAsync();
        }
    }

    public void Dispose()
    {
        lifetime.Cancel();
        connection?.Dispose();
        lifetime.Dispose();
    }
}
