using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Platform.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Platform.Reliability.Tests;

/// <summary>
/// Bad input and attacks through the gateway: the generated corpus (nothing answers 5xx, nothing redirects off a
/// registered URI, every service still running), open redirects with a real sign-in and sign-out, brute force against
/// sign-in (lockout, then the real user again after the cool-down) and client authentication (429, then the real
/// client again), and the figures of client-secret checks for a wrong secret and an unknown client.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class AbuseTests(ReliabilityFixture fixture, ITestOutputHelper output)
{
    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Corpus_EveryEndpointMutated_NoServerErrorAndNoRedirectOffRegisteredUris()
    {
        // A gateway of its own with limits out of the way, so the corpus reaches the services instead of the limiter.
        var port = ServiceProcess.FreePort();
        await using var gateway = Cluster.StartGateway(port, new Dictionary<string, string?>
        {
            ["Platform__RateLimits__CredentialsPerSecond"] = "100000",
            ["Platform__RateLimits__SignInPerSecond"] = "100000",
        });
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        var running = Cluster.Services.Where(service => !service.HasExited).ToList(); // faults before may have killed replicas
        var corpus = AbuseCorpus.Generate(Cluster, port);
        var answers = new ConcurrentBag<(string Name, RawAnswer Answer, double Milliseconds)>();
        await Parallel.ForEachAsync(corpus, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (entry, _) =>
        {
            var clock = Stopwatch.StartNew();
            var answer = await RawHttp.SendAsync(port, entry.Request, AnswerBound);
            answers.Add((entry.Name, answer, clock.Elapsed.TotalMilliseconds));
        });

        var serverErrors = answers.Where(a => a.Answer.Status >= 500).ToList();
        var redirects = answers.Where(a => a.Answer.Status is >= 300 and < 400).ToList();
        var unsafeRedirects = redirects.Where(a => a.Answer.Location is not { } location || !AbuseCorpus.IsSafeRedirect(location, Cluster)).ToList();
        var byStatus = answers.GroupBy(a => a.Answer.Status).OrderBy(g => g.Key).ToDictionary(g => g.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Count());
        var latency = DelayStats.Of(answers.Where(a => a.Answer.Status > 0).Select(a => a.Milliseconds));
        ReliabilitySettings.Record("corpus", new
        {
            requests = answers.Count,
            endpoints = corpus.Select(entry => entry.Name[..entry.Name.IndexOf(" [", StringComparison.Ordinal)]).Distinct().Count(),
            serverErrors = serverErrors.Count,
            redirects = redirects.Count,
            unsafeRedirects = unsafeRedirects.Count,
            closedWithoutAnswer = answers.Count(a => a.Answer.Status == 0),
            timedOut = answers.Count(a => a.Answer.Status == -1),
            answerBoundSeconds = AnswerBound.TotalSeconds,
            latency,
            slowest = answers.OrderByDescending(a => a.Milliseconds).Take(3).Select(a => new { a.Name, milliseconds = Math.Round(a.Milliseconds, 1), status = a.Answer.Status }),
            byStatus,
        });
        output.WriteLine($"{answers.Count} requests: {string.Join(' ', byStatus.Select(pair => $"{pair.Key}:{pair.Value}"))}; latency p50 {latency.P50} ms, p99 {latency.P99} ms, max {latency.Max} ms");

        Assert.True(serverErrors.Count == 0, "Server errors:\n" + string.Join('\n', serverErrors.Take(10).Select(a => $"{a.Name}: {a.Answer.Text[..Math.Min(a.Answer.Text.Length, 400)]}")));
        Assert.True(unsafeRedirects.Count == 0, "Redirects off the registered URIs:\n" + string.Join('\n', unsafeRedirects.Select(a => $"{a.Name}: {a.Answer.Location}")));
        Assert.True(!answers.Any(a => a.Answer.Status == -1), $"No answer within {AnswerBound.TotalSeconds} s (the socket's timeout):\n" + string.Join('\n', answers.Where(a => a.Answer.Status == -1).Select(a => a.Name)));
        Assert.All(running, service => Assert.False(service.HasExited, $"{service.Name} exited during the corpus:\n{service.Output}"));
    }

    /// <summary>
    /// How long a corpus request may go unanswered before its socket gives up and it counts as timed out: the corpus's
    /// latency bound. It holds no request to a speed (the figures report p50, p99 and max); it says none hangs.
    /// </summary>
    private static readonly TimeSpan AnswerBound = TimeSpan.FromSeconds(30);

    public static TheoryData<string> ForeignReturnUrls => new()
    {
        "https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example", "/%2F%2Fevil.example", "https:evil.example",
        " //evil.example", "/\t/evil.example", "javascript:alert(1)", "http://localhost@evil.example/", "%2F%2Fevil.example",
    };

    [Theory]
    [MemberData(nameof(ForeignReturnUrls))]
    public async Task Login_ForeignReturnUrl_SignedInUserStaysOnPlatform(string returnUrl)
    {
        using var answer = await SignInForm.PostAsync(Cluster.Issuer, Cluster.User.UserName, Cluster.User.Password, returnUrl);

        Assert.True(SignInForm.SignedIn(answer), $"The real user was not signed in: {(int)answer.StatusCode}");
        var location = answer.Headers.Location!.OriginalString;
        Assert.True(AbuseCorpus.IsSafeRedirect(location, Cluster), $"ReturnUrl {returnUrl} sent the browser to {location}.");
    }

    public static TheoryData<string> ForeignPostLogoutUris => new()
    {
        "https://evil.example/", "http://127.0.0.1:8400@evil.example/", "http://127.0.0.1:8400.evil.example/", "http://127.0.0.1:8401/",
        "HTTP://127.0.0.1:8400/../../evil", "//evil.example/", "http://127.0.0.1:8400/%0D%0ALocation:%20https://evil.example/",
    };

    [Theory]
    [MemberData(nameof(ForeignPostLogoutUris))]
    public async Task EndSession_UnregisteredPostLogoutUri_NoRedirectThere(string postLogoutUri)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Cluster.Issuer };
        using var answer = await http.GetAsync($"connect/endsession?client_id={Cluster.Web.Id}&post_logout_redirect_uri={Uri.EscapeDataString(postLogoutUri)}&state=s");

        Assert.True((int)answer.StatusCode < 500, $"{(int)answer.StatusCode}");
        if (answer.Headers.Location is { } location)
        {
            Assert.True(AbuseCorpus.IsSafeRedirect(location.OriginalString, Cluster), $"post_logout_redirect_uri {postLogoutUri} sent the browser to {location}.");
            Assert.DoesNotContain("evil", location.OriginalString, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task SignIn_BruteForce_LockedOutThenRealUserSignsInAfterCoolDown()
    {
        var attempts = ReliabilityFixture.MaxFailedAttempts + 3;
        var refusedOrLimited = 0;
        for (var i = 0; i < attempts; i++)
        {
            using var wrong = await SignInForm.PostAsync(Cluster.Issuer, Cluster.User.UserName, $"wrong-{i}");
            Assert.False(SignInForm.SignedIn(wrong));
            refusedOrLimited += wrong.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests ? 1 : 0;
        }

        using var whileLocked = await SignInForm.PostAsync(Cluster.Issuer, Cluster.User.UserName, Cluster.User.Password);
        var lockedOut = !SignInForm.SignedIn(whileLocked);
        var clock = Stopwatch.StartNew();
        await Task.Delay(ReliabilityFixture.LockoutDuration + TimeSpan.FromSeconds(1)); // the cool-down is what is tested
        using var afterCoolDown = await SignInForm.PostAsync(Cluster.Issuer, Cluster.User.UserName, Cluster.User.Password);
        ReliabilitySettings.Record("brute-force-sign-in", new
        {
            attempts,
            refusedOrLimited,
            realUserRefusedWhileLocked = lockedOut,
            lockoutSeconds = ReliabilityFixture.LockoutDuration.TotalSeconds,
            realUserSignedInAfterSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            letThrough = 0,
        });

        Assert.Equal(attempts, refusedOrLimited);
        Assert.True(lockedOut, "The right password worked during the lockout.");
        Assert.True(SignInForm.SignedIn(afterCoolDown), $"The real user could not sign in after the cool-down: {(int)afterCoolDown.StatusCode}");
    }

    [Fact]
    public async Task ClientAuthentication_BruteForce_429ThenRealClientGetsToken()
    {
        var port = ServiceProcess.FreePort();
        await using var gateway = Cluster.StartGateway(port, new Dictionary<string, string?> { ["Platform__RateLimits__CredentialsPerSecond"] = "2" });
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        var statuses = new List<HttpStatusCode>();
        string? retryAfter = null;
        for (var i = 0; i < 30; i++)
        {
            using var wrong = await TokenRequestAsync(http, (fixture.Client.Id, $"guess-{i}"));
            statuses.Add(wrong.StatusCode);
            retryAfter ??= wrong.Headers.RetryAfter?.ToString();
        }

        HttpStatusCode real = default;
        var clock = Stopwatch.StartNew();
        await Eventually.HoldsAsync(async () =>
        {
            using var answer = await TokenRequestAsync(http, fixture.Client);
            real = answer.StatusCode;
            return real == HttpStatusCode.OK;
        }, "the real client's token after the limit's window", TimeSpan.FromSeconds(30));
        ReliabilitySettings.Record("brute-force-client", new
        {
            attempts = statuses.Count,
            limited = statuses.Count(s => s == HttpStatusCode.TooManyRequests),
            refused = statuses.Count(s => s == HttpStatusCode.Unauthorized),
            letThrough = statuses.Count(s => s == HttpStatusCode.OK),
            realClientBackAfterSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        });

        Assert.DoesNotContain(HttpStatusCode.OK, statuses);
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"{s}"));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal("1", retryAfter);
    }

    [Fact]
    public async Task ClientSecretCheck_WrongSecretAndUnknownClient_BothInvalidClientTimingsReported()
    {
        // Straight at the token service: the gateway's limiter and proxy would only add noise to the timings.
        var token = Cluster.Services.First(service => service.Name == "Platform.Token" && !service.HasExited);
        using var http = new HttpClient { BaseAddress = token.Address };
        var bodies = new HashSet<string>();
        async Task<double> TimeAsync((string Id, string Secret) caller)
        {
            var clock = Stopwatch.StartNew();
            using var answer = await TokenRequestAsync(http, caller);
            var elapsed = clock.Elapsed.TotalMilliseconds;
            Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            bodies.Add(await answer.Content.ReadAsStringAsync());
            return elapsed;
        }

        // Asked again and again, as a guesser would: a known client (wrong secret) and one unknown id.
        var unknownId = $"nobody-{Guid.NewGuid():N}";
        var wrong = new List<double>();
        var unknown = new List<double>();
        for (var i = 0; i < 60; i++)
        {
            wrong.Add(await TimeAsync((fixture.Client.Id, $"wrong-{i}")));
            unknown.Add(await TimeAsync((unknownId, $"wrong-{i}")));
        }

        // Asked once each: ids never looked up on this replica, unknown or registered a moment ago (a cold look-up either way).
        var knownFirst = new List<double>();
        var unknownFirst = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var (registered, _) = await Cluster.RegisterClientAsync(new { clientId = $"timing-{Guid.NewGuid():N}", scopes = new[] { "api" } });
            knownFirst.Add(await TimeAsync((registered, $"wrong-{i}")));
            unknownFirst.Add(await TimeAsync(($"nobody-{Guid.NewGuid():N}", $"wrong-{i}")));
        }

        var (w, u) = (DelayStats.Of(wrong.Skip(10)), DelayStats.Of(unknown.Skip(10)));
        var (kf, uf) = (DelayStats.Of(knownFirst), DelayStats.Of(unknownFirst));
        var descriptions = bodies.Select(body => JsonDocument.Parse(body).RootElement.GetProperty("error_description").GetString()).Distinct().ToList();
        ReliabilitySettings.Record("secret-timing", new { samples = w.Count, wrongSecret = w, unknownClient = u, knownClientFirstLookUp = kf, unknownClientFirstLookUp = uf, descriptions });
        output.WriteLine($"repeated: wrong secret p50 {w.P50} ms p99 {w.P99} ms; unknown client p50 {u.P50} ms p99 {u.P99} ms");
        output.WriteLine($"first look-up: known client p50 {kf.P50} ms p99 {kf.P99} ms; unknown client p50 {uf.P50} ms p99 {uf.P99} ms; descriptions: {string.Join(" | ", descriptions)}");

        // Both are invalid_client with 401 and one description; the timings are reported, not asserted (docs/reliability.md, Findings).
        Assert.All(bodies, body => Assert.Equal("invalid_client", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()));
        Assert.Single(descriptions);
    }

    [Fact]
    public async Task ClientSecretCheck_UnknownIdThenRegistered_TokenWithinTheLookupLifetime()
    {
        // The token service remembers that the id was unknown; registering it on the authorization service (another
        // process) does not reach that memory, so the bound is Platform:Identity:LookupLifetime (5 s), as for any change.
        var clientId = $"late-{Guid.NewGuid():N}";
        using var http = Cluster.CreateClient();
        using (var before = await TokenRequestAsync(http, (clientId, "not-yet")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, before.StatusCode);
        }

        var registered = await Cluster.RegisterClientAsync(new { clientId, scopes = new[] { "api" } });
        var clock = Stopwatch.StartNew();
        await Eventually.HoldsAsync(async () =>
        {
            using var answer = await TokenRequestAsync(http, registered);
            return answer.StatusCode == HttpStatusCode.OK;
        }, "a token for the client registered after its id was looked up", LookupLifetime + TimeSpan.FromSeconds(2));
        ReliabilitySettings.Record("unknown-then-registered", new { tokenAfterSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1), boundSeconds = LookupLifetime.TotalSeconds });
        output.WriteLine($"token {clock.Elapsed.TotalSeconds:0.0} s after the registration");
    }

    /// <summary>The services' <c>Platform:Identity:LookupLifetime</c> (not set by the fixture: the default).</summary>
    private static readonly TimeSpan LookupLifetime = TimeSpan.FromSeconds(5);

    private static async Task<HttpResponseMessage> TokenRequestAsync(HttpClient http, (string Id, string Secret) caller)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "api" }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(caller.Id, caller.Secret);
        return await http.SendAsync(request);
    }
}
