using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using Platform.Testing;
using RabbitMQ.Client;

namespace Platform.Reliability.Tests;

/// <summary>
/// The faults injected under the workload. Each prepares what it needs (a second replica), injects the fault while
/// the workload runs and returns when the fault is over (the component is back, or the survivor carries on).
/// </summary>
public sealed record Fault(
    string Name,
    string What,
    bool TakesAwayOnlyInstance,
    Func<FaultContext, Task> PrepareAsync,
    Func<FaultContext, Task> InjectAsync,
    Func<FaultContext, Task> CleanupAsync)
{
    public const string BrokerStopped = "rabbitmq-stopped";
    public const string BrokerKilled = "rabbitmq-killed";
    public const string ProjectionKilled = "projection-killed";
    public const string ProjectionReplicaKilled = "projection-replica-killed";
    public const string PostgresRestarted = "postgres-restarted";
    public const string WriterKilled = "token-service-killed";
    public const string RelayLeaderKilled = "token-relay-leader-killed";
    public const string PoisonMessage = "poison-message";

    private static Task Nothing(FaultContext context) => Task.CompletedTask;

    public static IReadOnlyList<Fault> All { get; } =
    [
        new(BrokerStopped, $"RabbitMQ stopped for the outage (rabbitmqctl stop), then started", false, Nothing, async context =>
        {
            await context.Fixture.Broker.StopServerAsync();
            await Task.Delay(ReliabilitySettings.Outage); // the outage's length is the fault itself
            await context.Fixture.Broker.StartServerAsync();
        }, Nothing),
        new(BrokerKilled, "RabbitMQ killed with SIGKILL while messages flow, started again 2 s later", false, Nothing, async context =>
        {
            await context.WaitForRoundsAsync(3);
            await context.Fixture.Broker.KillServerAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            await context.Fixture.Broker.StartServerAsync();
        }, Nothing),
        new(ProjectionKilled, "the projection service (the only replica, the gateway's upstream) killed with SIGKILL while it applies messages, then restarted", true, Nothing, async context =>
        {
            await context.WaitForRoundsAsync(3);
            var projection = context.Fixture.Cluster.Services.First(service => service.Name == "Platform.Projection" && !service.HasExited);
            projection.Kill();
            await context.Fixture.Cluster.RestartAsync(projection);
        }, Nothing),
        new(ProjectionReplicaKilled, "two projection replicas on the same queues; the one the gateway does not use killed with SIGKILL mid-stream", false,
            async context => context.Replica = await context.Fixture.Cluster.StartReplicaAsync("Platform.Projection"),
            async context =>
            {
                await context.WaitForRoundsAsync(3);
                context.Replica!.Kill();
            }, Nothing),
        new(PostgresRestarted, "PostgreSQL restarted (fast shutdown, then start) under load", true, Nothing, async context =>
        {
            await context.WaitForRoundsAsync(3);
            await context.Fixture.Postgres.RestartServerAsync();
        }, Nothing),
        new(WriterKilled, "the token service (the only replica) killed with SIGKILL while its relay publishes, then restarted", true, Nothing, async context =>
        {
            var token = context.Fixture.Cluster.Services.First(service => service.Name == "Platform.Token" && !service.HasExited);
            await context.WaitForRoundsAsync(3);
            token.Kill();
            await context.Fixture.Cluster.RestartAsync(token);
        }, Nothing),
        new(RelayLeaderKilled, "two token service replicas; the one holding the relay's leadership (HotCold advisory lock) killed with SIGKILL, the other takes over", false,
            async context =>
            {
                var original = context.Fixture.Cluster.Services.First(service => service.Name == "Platform.Token" && !service.HasExited);
                context.Replica = await context.Fixture.Cluster.StartReplicaAsync("Platform.Token");
                context.Leader = await RelayLeader.FindAsync(context.Fixture.Cluster.Postgres, [original, context.Replica], TimeSpan.FromSeconds(60));
                // Clients carry on at the survivor (a load balancer drops the dead instance).
                context.Workload.TokenService = context.Leader == original ? context.Replica.Address : context.Fixture.Cluster.Issuer;
            },
            async context =>
            {
                await context.WaitForRoundsAsync(3);
                context.Leader!.Kill();
                var survivor = context.Fixture.Cluster.Services.First(service => service.Name == "Platform.Token" && !service.HasExited);
                context.NewLeader = await RelayLeader.FindAsync(context.Fixture.Cluster.Postgres, [survivor], TimeSpan.FromSeconds(60)) is not null;
            },
            async context =>
            {
                // Back to the cluster's shape: the gateway's token upstream running, the extra replica gone.
                var original = context.Fixture.Cluster.Services.First(service => service.Name == "Platform.Token");
                if (original.HasExited)
                {
                    await context.Fixture.Cluster.RestartAsync(original);
                }

                await context.Replica!.StopAsync();
            }),
        new(PoisonMessage, "malformed messages published to the platform.token_revoked exchange between real ones", false, Nothing, async context =>
        {
            await context.WaitForRoundsAsync(3);
            context.PoisonPublished = await Poison.PublishAsync(context.Fixture.Broker.Uri);
        }, Nothing),
    ];

    public static Fault Named(string name) => All.Single(fault => fault.Name == name);
}

/// <summary>What a fault works with while it runs.</summary>
public sealed class FaultContext(ReliabilityFixture fixture, Workload workload)
{
    public ReliabilityFixture Fixture { get; } = fixture;
    public Workload Workload { get; } = workload;
    public ServiceProcess? Replica { get; set; }
    public ServiceProcess? Leader { get; set; }
    public bool? NewLeader { get; set; }
    public int PoisonPublished { get; set; }

    /// <summary>Waits until the workload has completed <paramref name="count"/> more rounds: messages are flowing.</summary>
    public async Task WaitForRoundsAsync(int count)
    {
        var target = Workload.Figures.Rounds + count;
        await Eventually.HoldsAsync(() => Workload.Figures.Rounds >= target, $"{count} workload rounds", TimeSpan.FromSeconds(60));
    }
}

/// <summary>Which process holds a relay's leadership: the one whose PostgreSQL session holds an advisory lock.</summary>
public static partial class RelayLeader
{
    public static async Task<ServiceProcess?> FindAsync(string postgres, IReadOnlyList<ServiceProcess> candidates, TimeSpan within)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < within)
        {
            var holders = new HashSet<int>();
            foreach (var port in await LockHolderPortsAsync(postgres))
            {
                if (await ProcessOfLocalPortAsync(port) is { } pid)
                {
                    holders.Add(pid);
                }
            }

            var leaders = candidates.Where(candidate => !candidate.HasExited && holders.Contains(candidate.Id)).ToList();
            if (leaders.Count == 1)
            {
                return leaders[0];
            }

            await Task.Delay(200);
        }

        return null;
    }

    private static async Task<IReadOnlyList<int>> LockHolderPortsAsync(string postgres)
    {
        try
        {
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                SELECT DISTINCT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND a.client_port IS NOT NULL AND a.datname = current_database()
                """, connection);
            var ports = new List<int>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ports.Add(reader.GetInt32(0));
            }

            return ports;
        }
        catch (NpgsqlException)
        {
            return [];
        }
    }

    private static async Task<int?> ProcessOfLocalPortAsync(int port)
    {
        var start = new ProcessStartInfo("ss", ["-Htnp", $"sport = :{port}"]) { UseShellExecute = false, RedirectStandardOutput = true };
        using var ss = Process.Start(start)!;
        var output = await ss.StandardOutput.ReadToEndAsync();
        await ss.WaitForExitAsync();
        return PidPattern().Match(output) is { Success: true } match ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"pid=(\d+)")]
    private static partial Regex PidPattern();
}

/// <summary>Messages no consumer can read, published where the real ones go.</summary>
public static class Poison
{
    public const string Exchange = "platform.token_revoked";

    /// <summary>Publishes the poison messages; returns how many.</summary>
    public static async Task<int> PublishAsync(string rabbitMqUri)
    {
        var bodies = new (string ContentType, string Body)[]
        {
            ("application/vnd.masstransit+json", "{ this is not JSON"),
            ("application/vnd.masstransit+json", """{"messageType":["urn:message:Platform.Contracts:EventEnvelope[[Platform.Contracts.Events:TokenRevoked]]"],"message":"not an envelope"}"""),
            ("application/json", "\u0000\u0001 binary garbage \uFFFD"),
        };
        await using var connection = await new ConnectionFactory { Uri = new Uri(rabbitMqUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        foreach (var (contentType, body) in bodies)
        {
            var properties = new BasicProperties { ContentType = contentType, Persistent = true, MessageId = Guid.NewGuid().ToString() };
            await channel.BasicPublishAsync(Exchange, string.Empty, mandatory: false, properties, Encoding.UTF8.GetBytes(body));
        }

        return bodies.Length;
    }

    /// <summary>How many messages sit in <paramref name="queue"/> (0 when it does not exist).</summary>
    public static async Task<uint> CountAsync(string rabbitMqUri, string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(rabbitMqUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return 0;
        }
    }
}
