using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace Platform.Reliability.Tests;

/// <summary>
/// The soak (full run only): the workload (its client loops paced, its user loop beside them) for
/// <see cref="ReliabilitySettings.Soak"/>, RabbitMQ killed and restarted at a third of it, a second projection replica
/// killed at two thirds, the resident memory of every service read from <c>/proc</c> every 10 s. Holds: no server
/// error, every token event projected, a rebuild equal to the live read model, no revoked token active, no inconsistent
/// token family, memory flat after the warm-up.
/// </summary>
public sealed class Soak(ReliabilityFixture fixture, ITestOutputHelper output)
{
    public const string Name = "soak";
    private const double RoundsPerSecondPerWorker = 3;

    /// <summary>Growth of a service's memory from the end of the warm-up to the end that still counts as flat.</summary>
    private const double FlatBound = 1.5;

    public async Task RunAsync()
    {
        var cluster = fixture.Cluster;
        var replica = await cluster.StartReplicaAsync("Platform.Projection");
        var workload = new Workload(fixture) { RoundsPerSecond = RoundsPerSecondPerWorker };
        var eventsBefore = await Invariants.EventCountAsync(cluster.Postgres);
        var samples = new List<(TimeSpan At, string Service, long RssKb)>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var running = workload.RunAsync(ReliabilitySettings.Workers, stop.Token);
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var service in cluster.Services.Where(service => !service.HasExited && service != replica))
                {
                    if (Rss(service.Id) is { } rss)
                    {
                        lock (samples)
                        {
                            samples.Add((clock.Elapsed, service.Name, rss));
                        }
                    }
                }

                await Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None); // a sampling period
            }
        });

        var third = ReliabilitySettings.Soak / 3;
        await Task.Delay(third); // steady workload until the first fault
        await fixture.Broker.KillServerAsync();
        await Task.Delay(TimeSpan.FromSeconds(5));
        await fixture.Broker.StartServerAsync();
        await Task.Delay(third - (clock.Elapsed - third)); // steady workload until the second fault
        replica.Kill();
        await Task.Delay(ReliabilitySettings.Soak - clock.Elapsed); // the rest of the soak
        await stop.CancelAsync();
        await Task.WhenAll(running, sampling);

        var drain = await Invariants.WaitUntilDrainedAsync(cluster.Postgres, TimeSpan.FromSeconds(180));
        var eventsAppended = await Invariants.EventCountAsync(cluster.Postgres) - eventsBefore;
        var behind = await Invariants.TokensBehindAsync(cluster.Postgres);
        var stillActive = await Invariants.StillActiveAsync(cluster, workload.RevokedTokens);
        var families = await Invariants.TokenFamiliesAsync(cluster, fixture.SignIns.ClientId, workload.FamilyTokens);
        var rebuild = await Invariants.RebuildAndCompareAsync(cluster, TimeSpan.FromSeconds(300));
        var warmedUp = ReliabilitySettings.Soak * 0.2;
        var memory = samples.GroupBy(sample => sample.Service).Select(group =>
        {
            var after = group.Where(sample => sample.At >= warmedUp).ToList();
            var first = after.Count > 0 ? after[0].RssKb : group.Last().RssKb;
            var last = group.Last().RssKb;
            return new MemoryFigures(group.Key, first / 1024.0, last / 1024.0, group.Max(sample => sample.RssKb) / 1024.0, Math.Round((double)last / first, 3));
        }).ToList();
        var figures = workload.Figures;
        ReliabilitySettings.Record("soak", new
        {
            seconds = Math.Round(clock.Elapsed.TotalSeconds),
            rate = RoundsPerSecondPerWorker * ReliabilitySettings.Workers,
            faults = new[] { "RabbitMQ killed (SIGKILL) at 1/3, started 5 s later", "a second projection replica killed (SIGKILL) at 2/3" },
            eventsAppended,
            eventsNotProjected = behind,
            drainSeconds = Math.Round(drain.TotalSeconds, 2),
            rebuildEqual = rebuild.Equal,
            revokedChecked = workload.RevokedTokens.Count,
            revokedStillActive = stillActive.Count,
            tokenFamilies = families,
            memory,
            workload = figures,
        });
        foreach (var service in memory)
        {
            output.WriteLine($"{service.Service}: {service.AfterWarmUpMb:0} MB after warm-up, {service.EndMb:0} MB at the end, max {service.MaxMb:0} MB");
        }

        Assert.Equal(0, figures.ServerErrors);
        Assert.Equal(0, figures.NoAnswer);
        Assert.Equal(0, behind);
        Assert.True(rebuild.Equal, rebuild.Report);
        Assert.Empty(stillActive);
        Assert.True(families.Violations.Count == 0, $"Inconsistent token families: {string.Join(" | ", families.Violations.Take(10))}");
        Assert.True(figures.Users is { FamiliesChecked: > 0, RotationsMissed: 0, ReplaysAccepted: 0, FamilyTokensStillActive: 0 }, $"The user loop saw: {figures.Users}");
        Assert.All(memory, service => Assert.True(service.Growth <= FlatBound, $"{service.Service} grew from {service.AfterWarmUpMb:0} MB to {service.EndMb:0} MB."));
    }

    private static long? Rss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(line => line.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>Resident memory of one service over the soak, in MB.</summary>
public sealed record MemoryFigures(string Service, double AfterWarmUpMb, double EndMb, double MaxMb, double Growth);
