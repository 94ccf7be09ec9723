using System.Diagnostics;
using System.Diagnostics.Metrics;
using Platform.Contracts.Events;
using Platform.ServiceDefaults;

namespace Platform.Projection.Introspection;

/// <summary>
/// Introspection, counted and timed: <c>platform.tokens.introspected</c> by <c>platform.token.kind</c> (of the token
/// found, <c>unknown</c> when none) and <c>platform.result</c> (<c>active</c>, <c>inactive</c>, or the OAuth error
/// the caller received), <c>platform.introspection.duration</c> by result; and this replica's caches,
/// <c>platform.cache.hits</c> / <c>platform.cache.misses</c> by <c>platform.cache.name</c> (<c>token</c>, <c>caller</c>),
/// whose ratio is the hit ratio. No tag holds the presented token or the caller's secret.
/// </summary>
public sealed class IntrospectionMetrics
{
    public const string Active = "active";
    public const string Inactive = "inactive";
    public const string Unknown = "unknown";

    private static readonly HashSet<string> Kinds =
        [TokenKinds.AccessToken, TokenKinds.RefreshToken, TokenKinds.IdToken, TokenKinds.AuthorizationCode, TokenKinds.DeviceCode, TokenKinds.UserCode];

    private readonly Counter<long> introspected;
    private readonly Histogram<double> duration;
    private readonly Counter<long> hits;
    private readonly Counter<long> misses;

    public IntrospectionMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PlatformMeters.Projection);
        introspected = meter.CreateCounter<long>("platform.tokens.introspected", unit: "{request}",
            description: "Introspection answers, by the kind of the token found and the result.");
        duration = meter.CreateHistogram("platform.introspection.duration", unit: "s",
            description: "Time to answer an introspection request, from its form read to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        hits = meter.CreateCounter<long>("platform.cache.hits", unit: "{lookup}", description: "Look-ups this replica answered from memory, by cache.");
        misses = meter.CreateCounter<long>("platform.cache.misses", unit: "{lookup}", description: "Look-ups this replica had to read from the database, by cache.");
    }

    /// <summary>A timestamp to pass to <see cref="Answered"/>.</summary>
    public static long Start() => Stopwatch.GetTimestamp();

    /// <summary>One answer: <paramref name="result"/> is active, inactive or an OAuth error code; <paramref name="kind"/> the token's kind if one was found.</summary>
    public void Answered(long started, string result, string? kind)
    {
        var resultTag = new KeyValuePair<string, object?>("platform.result", result);
        introspected.Add(1, new KeyValuePair<string, object?>("platform.token.kind", kind is not null && Kinds.Contains(kind) ? kind : Unknown), resultTag);
        duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, resultTag);
    }

    public void CacheLookup(string cache, bool hit) =>
        (hit ? hits : misses).Add(1, new KeyValuePair<string, object?>("platform.cache.name", cache));
}
