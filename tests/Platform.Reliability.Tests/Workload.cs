using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Platform.Testing;

namespace Platform.Reliability.Tests;

/// <summary>
/// A bounded workload through the gateway, as client applications and APIs would drive it. Client loops: a
/// client_credentials token issued, introspected by the API, revoked by its client, then introspected until it
/// answers inactive (the revocation's propagation delay). A user loop beside them when <see cref="SignIns"/> is set
/// (see <c>Workload.Users.cs</c>): a sign-in by authorization code and PKCE, refreshes, a revocation and a replay that
/// ends the token family. Every answer is counted by status; every token whose revocation was answered 200
/// (committed) is kept, so that the invariants can check none of them is active afterwards.
/// </summary>
public sealed partial class Workload(PlatformCluster cluster, (string Id, string Secret) client)
{
    /// <summary>The fixture's workload: its client loops, and its user loop with the fixture's web application and user.</summary>
    public Workload(ReliabilityFixture fixture)
        : this(fixture.Cluster, fixture.Client)
    {
        SignIns = fixture.SignIns;
    }

    private readonly ConcurrentDictionary<int, int> statuses = new();
    private readonly ConcurrentBag<string> revoked = [];
    private readonly ConcurrentBag<double> delays = [];
    private readonly ConcurrentBag<string> unexpected = [];
    private int rounds;
    private int propagationTimeouts;

    /// <summary>Where tokens are issued and revoked (the gateway unless a scenario talks to a surviving replica).</summary>
    public Uri TokenService { get; set; } = cluster.Issuer;

    /// <summary>Rounds per second per worker at most; 0 is as fast as answers come.</summary>
    public double RoundsPerSecond { get; init; }

    /// <summary>How long a revocation may take to show at introspection before the round counts a timeout.</summary>
    public TimeSpan PropagationBound { get; init; } = TimeSpan.FromSeconds(120);

    public IReadOnlyCollection<string> RevokedTokens => revoked;

    public WorkloadFigures Figures => new(
        Rounds: rounds,
        Users: UserFigures,
        Requests: statuses.Values.Sum(),
        ServerErrors: statuses.Where(pair => pair.Key >= 500).Sum(pair => pair.Value),
        InternalErrors: statuses.GetValueOrDefault(500),
        NoAnswer: statuses.GetValueOrDefault(0),
        Statuses: statuses.OrderBy(pair => pair.Key).ToDictionary(pair => pair.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), pair => pair.Value),
        Propagation: DelayStats.Of(delays),
        PropagationTimeouts: propagationTimeouts,
        Unexpected: [.. unexpected.Take(5)]);

    /// <summary>
    /// Runs <paramref name="workers"/> client loops, and one user loop when <see cref="SignIns"/> is set, until
    /// <paramref name="stop"/> is cancelled; each loop finishes the round it is in.
    /// </summary>
    public Task RunAsync(int workers, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkerAsync(RoundAsync, () => Interlocked.Increment(ref rounds), stop), CancellationToken.None))
            .Concat(SignIns is null ? [] : [Task.Run(() => WorkerAsync(UserRoundAsync, () => { }, stop), CancellationToken.None)]));

    private async Task WorkerAsync(Func<HttpClient, Task> round, Action completed, CancellationToken stop)
    {
        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(20) };
        var pace = RoundsPerSecond > 0 ? TimeSpan.FromSeconds(1 / RoundsPerSecond) : TimeSpan.Zero;
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.StartNew();
            await round(http);
            completed();
            if (started.Elapsed < pace && !stop.IsCancellationRequested)
            {
                // Pacing a steady rate, not waiting for a condition.
                await Task.Delay(pace - started.Elapsed, CancellationToken.None);
            }
        }
    }

    private async Task RoundAsync(HttpClient http)
    {
        var (issueStatus, issued) = await SendAsync(http, new Uri(TokenService, "connect/token"), client,
            new() { ["grant_type"] = "client_credentials", ["scope"] = "api" });
        if (issueStatus != 200 || issued is not { } tokenAnswer)
        {
            return;
        }

        var token = tokenAnswer.GetProperty("access_token").GetString()!;
        var (introspectStatus, introspected) = await IntrospectAsync(http, token);
        if (introspectStatus == 200 && introspected?.GetProperty("active").GetBoolean() != true)
        {
            // The projection may not have the token yet: it then answers from the writers' documents, which do.
            unexpected.Add($"a token introspected inactive right after issuance: {introspected}");
        }

        var (revokeStatus, _) = await SendAsync(http, new Uri(TokenService, "connect/revoke"), client, new() { ["token"] = token });
        if (revokeStatus != 200)
        {
            return;
        }

        revoked.Add(token);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < PropagationBound)
        {
            var (status, answer) = await IntrospectAsync(http, token);
            if (status == 200 && answer?.GetProperty("active").GetBoolean() == false)
            {
                delays.Add(clock.Elapsed.TotalMilliseconds);
                return;
            }

            await Task.Delay(status == 200 ? 10 : 200, CancellationToken.None);
        }

        Interlocked.Increment(ref propagationTimeouts);
    }

    private Task<(int, JsonElement?)> IntrospectAsync(HttpClient http, string token, (string Id, string Secret)? caller = null) =>
        SendAsync(http, new Uri(cluster.Issuer, "connect/introspect"), caller ?? cluster.Api, new() { ["token"] = token });

    private void Count(int status) => statuses.AddOrUpdate(status, 1, (_, count) => count + 1);

    private async Task<(int Status, JsonElement? Body)> SendAsync(HttpClient http, Uri address, (string Id, string Secret) caller, Dictionary<string, string> form)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, address) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = PlatformCluster.Basic(caller.Id, caller.Secret);
        try
        {
            using var response = await http.SendAsync(request);
            var status = (int)response.StatusCode;
            Count(status);
            var body = await response.Content.ReadAsStringAsync();
            if (status == (int)HttpStatusCode.InternalServerError)
            {
                unexpected.Add($"500 from {address.AbsolutePath}: {body[..Math.Min(body.Length, 300)]}");
            }

            return (status, status == 200 && body.Length > 0 ? JsonDocument.Parse(body).RootElement.Clone() : null);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            Count(0);
            return (0, null);
        }
    }
}

/// <summary>What a workload saw: rounds of the client loops, the user loop's figures, requests by status (0: no answer), propagation delays.</summary>
public sealed record WorkloadFigures(
    int Rounds, UserLoopFigures Users, int Requests, int ServerErrors, int InternalErrors, int NoAnswer, IReadOnlyDictionary<string, int> Statuses,
    DelayStats Propagation, int PropagationTimeouts, IReadOnlyList<string> Unexpected);

/// <summary>Percentiles of delays in milliseconds.</summary>
public sealed record DelayStats(int Count, double P50, double P99, double Max)
{
    public static DelayStats Of(IEnumerable<double> delays)
    {
        var sorted = delays.Order().ToArray();
        double At(double q) => sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))], 1);
        return new DelayStats(sorted.Length, At(0.5), At(0.99), sorted.Length == 0 ? 0 : Math.Round(sorted[^1], 1));
    }
}
