using System.Diagnostics;
using Platform.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Platform.Reliability.Tests;

/// <summary>
/// Each fault injected under the workload, then what must hold: every token event in the store reflected in the read
/// model, and a rebuild from the first event equal to the live read model (so nothing applied twice or lost); no token
/// whose revocation was answered 200 active; each relay past the position it had recorded before the fault and past
/// every event it owns; poison parked in the error queue. The figures (time to recover, propagation delay, answers by
/// status) go to the run's results for docs/reliability.md.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class FaultTests(ReliabilityFixture fixture, ITestOutputHelper output)
{
    /// <summary>What <c>./platform test</c> runs: a short broker outage and a poison message, a few minutes on this machine.</summary>
    public static readonly IReadOnlyList<string> FastSubset = [Fault.BrokerStopped, Fault.PoisonMessage];

    /// <summary>
    /// The fast subset in <c>./platform test</c>; every fault, with longer outages and workloads, and the soak in the
    /// full run (<c>./platform reliability</c>).
    /// </summary>
    public static TheoryData<string> Scenarios()
    {
        var scenarios = new TheoryData<string>();
        foreach (var fault in Fault.All.Where(fault => ReliabilitySettings.Full || FastSubset.Contains(fault.Name)))
        {
            scenarios.Add(fault.Name);
        }

        if (ReliabilitySettings.Full)
        {
            scenarios.Add(Soak.Name);
        }

        return scenarios;
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task Scenario_UnderWorkload_LosesNothingAndRevokedStayRevoked(string scenario)
    {
        if (scenario == Soak.Name)
        {
            await new Soak(fixture, output).RunAsync();
            return;
        }

        var fault = Fault.Named(scenario);
        var cluster = fixture.Cluster;
        var postgres = cluster.Postgres;
        var workload = new Workload(fixture);
        var context = new FaultContext(fixture, workload);
        await fault.PrepareAsync(context);
        var eventsBefore = await Invariants.EventCountAsync(postgres);
        var positionsBefore = await Invariants.RelayPositionsAsync(postgres);

        using var stop = new CancellationTokenSource();
        var running = workload.RunAsync(ReliabilitySettings.Workers, stop.Token);
        var clock = Stopwatch.StartNew();
        await context.WaitForRoundsAsync(2);
        await Task.Delay(ReliabilitySettings.Settle); // the workload's steady part before the fault
        var injected = clock.Elapsed;
        await fault.InjectAsync(context);
        var ended = clock.Elapsed;
        var targets = await RetryAsync(() => Invariants.RelayTargetsAsync(postgres));
        var recovering = Invariants.WaitUntilDrainedAsync(postgres, TimeSpan.FromSeconds(180), targets);
        await Task.Delay(ReliabilitySettings.Settle); // the workload carries on after the fault
        var recovery = await recovering;
        await stop.CancelAsync();
        await running;
        await fault.CleanupAsync(context);

        var drain = await Invariants.WaitUntilDrainedAsync(postgres, TimeSpan.FromSeconds(180));
        var eventsAfter = await Invariants.EventCountAsync(postgres);
        var behind = await Invariants.TokensBehindAsync(postgres);
        var ahead = await Invariants.TokensAheadAsync(postgres);
        var positionsAfter = await Invariants.RelayPositionsAsync(postgres);
        var finalTargets = await Invariants.RelayTargetsAsync(postgres);
        var relaysResumed = positionsBefore.All(before => positionsAfter.GetValueOrDefault(before.Key) >= before.Value)
            && finalTargets.All(target => target.Value == 0 || positionsAfter.GetValueOrDefault(target.Key) >= target.Value);
        var stillActive = await Invariants.StillActiveAsync(cluster, workload.RevokedTokens);
        var families = await Invariants.TokenFamiliesAsync(cluster, fixture.SignIns.ClientId, workload.FamilyTokens);
        var rebuild = await Invariants.RebuildAndCompareAsync(cluster, TimeSpan.FromSeconds(180));
        uint parked = 0;
        if (fault.Name == Fault.PoisonMessage)
        {
            var errorQueue = $"{cluster.QueuePrefix}-projection-token-events_error";
            await Eventually.HoldsAsync(async () => (parked = await Poison.CountAsync(fixture.Broker.Uri, errorQueue)) >= context.PoisonPublished,
                $"{context.PoisonPublished} poison messages in {errorQueue}", TimeSpan.FromSeconds(180));
        }

        var figures = workload.Figures;
        ReliabilitySettings.Record("fault", new
        {
            fault = fault.Name,
            fault.What,
            outageSeconds = fault.Name == Fault.BrokerStopped ? ReliabilitySettings.Outage.TotalSeconds : (double?)null,
            faultSeconds = Math.Round((ended - injected).TotalSeconds, 1),
            recoverSeconds = Math.Round(recovery.TotalSeconds, 2),
            eventsAppended = eventsAfter - eventsBefore,
            eventsNotProjected = behind,
            viewsAhead = ahead,
            rebuildEqual = rebuild.Equal,
            rebuildEvents = rebuild.EventsReplayed,
            revokedChecked = workload.RevokedTokens.Count,
            revokedStillActive = stillActive.Count,
            tokenFamilies = families,
            relaysResumed,
            newLeader = context.NewLeader,
            poisonPublished = context.PoisonPublished,
            poisonParked = parked,
            workload = figures,
        });
        output.WriteLine($"{fault.Name}: fault {ended - injected:g}, recovered {recovery.TotalSeconds:0.00} s after it, drained {drain.TotalSeconds:0.00} s after the workload; " +
            $"{eventsAfter - eventsBefore} events; {figures.Requests} requests, statuses {string.Join(' ', figures.Statuses.Select(pair => $"{pair.Key}:{pair.Value}"))}; " +
            $"propagation p50 {figures.Propagation.P50} ms p99 {figures.Propagation.P99} ms max {figures.Propagation.Max} ms over {figures.Propagation.Count}; " +
            $"rebuild of {rebuild.EventsReplayed} events equal={rebuild.Equal}; {string.Join(" | ", figures.Unexpected)}");

        Assert.True(figures.Rounds > 0 && workload.RevokedTokens.Count > 0, "The workload did no complete round: nothing was tested.");
        Assert.Equal(0, behind);
        Assert.Equal(0, ahead);
        Assert.True(rebuild.Equal, $"The read model rebuilt from the first event differs from the live one: {rebuild.Report}");
        Assert.Empty(stillActive);
        Assert.True(figures.Users.FamiliesChecked > 0, "The user loop ended no token family: nothing of it was tested.");
        Assert.True(families.Violations.Count == 0, $"Inconsistent token families: {string.Join(" | ", families.Violations.Take(10))}");
        Assert.True(figures.Users is { RotationsMissed: 0, ReplaysAccepted: 0, FamilyTokensStillActive: 0 }, $"The user loop saw: {figures.Users}; {string.Join(" | ", figures.Unexpected)}");
        Assert.True(relaysResumed, $"A relay did not resume: before {Show(positionsBefore)}, after {Show(positionsAfter)}, owning up to {Show(finalTargets)}.");
        Assert.Equal(0, figures.PropagationTimeouts);
        Assert.True(figures.InternalErrors == 0, $"500 answers: {string.Join(" | ", figures.Unexpected)}");
        // While the database is down the services answer 503 (counted by status), and nothing else of the 5xx.
        Assert.True(fault.Name != Fault.PostgresRestarted || figures.ServerErrors == figures.Statuses.GetValueOrDefault("503"),
            $"5xx other than 503 while PostgreSQL restarted: {string.Join(' ', figures.Statuses.Select(pair => $"{pair.Key}:{pair.Value}"))}");
        Assert.True(fault.TakesAwayOnlyInstance || figures.ServerErrors == 0,
            $"{figures.ServerErrors} server errors although a replica or the outbox should have carried the load: {string.Join(" | ", figures.Unexpected)}");
        if (fault.Name == Fault.RelayLeaderKilled)
        {
            Assert.True(context.NewLeader, "No surviving replica took the relay's leadership.");
        }
    }

    private static string Show(IReadOnlyDictionary<string, long> positions) => string.Join(", ", positions.Select(pair => $"{pair.Key}={pair.Value}"));

    private static async Task<T> RetryAsync<T>(Func<Task<T>> read)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (Npgsql.NpgsqlException) when (attempt < 100)
            {
                await Task.Delay(200);
            }
        }
    }
}
