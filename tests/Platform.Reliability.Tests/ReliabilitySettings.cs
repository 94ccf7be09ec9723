using System.Globalization;
using System.Text.Json;

namespace Platform.Reliability.Tests;

/// <summary>
/// How long the faults last and where figures go. <c>./platform test</c> runs the fast variant (short outages, short
/// workloads); <c>./platform reliability</c> sets <c>PLATFORM_RELIABILITY_FULL=1</c> for the full one (30 s broker
/// outage, longer workloads, the soak) and <c>PLATFORM_RELIABILITY_RESULTS</c> to a file that collects every figure.
/// </summary>
public static class ReliabilitySettings
{
    public static bool Full { get; } = Environment.GetEnvironmentVariable("PLATFORM_RELIABILITY_FULL") == "1";

    /// <summary>How long RabbitMQ stays stopped in the broker outage (30 s in the full run, 5 s in the fast one).</summary>
    public static TimeSpan Outage { get; } = Seconds("PLATFORM_RELIABILITY_OUTAGE_SECONDS", Full ? 30 : 5);

    /// <summary>How long the workload runs before a fault and after it ends.</summary>
    public static TimeSpan Settle { get; } = Seconds("PLATFORM_RELIABILITY_SETTLE_SECONDS", Full ? 10 : 1);

    /// <summary>How long the soak's workload runs (10 minutes by default).</summary>
    public static TimeSpan Soak { get; } = Seconds("PLATFORM_RELIABILITY_SOAK_SECONDS", 600);

    public static int Workers { get; } = 2;

    private static string? ResultsFile => Environment.GetEnvironmentVariable("PLATFORM_RELIABILITY_RESULTS") is { Length: > 0 } file ? file : null;

    private static readonly Lock Gate = new();

    private static TimeSpan Seconds(string variable, int fallback) =>
        TimeSpan.FromSeconds(Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback);

    /// <summary>Appends one figure record (a JSON line) to the results file when a run collects them.</summary>
    public static void Record(string kind, object figures)
    {
        if (ResultsFile is not { } file)
        {
            return;
        }

        var line = JsonSerializer.Serialize(new { kind, full = Full, at = DateTimeOffset.UtcNow, figures }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        lock (Gate)
        {
            File.AppendAllText(file, line + "\n");
        }
    }
}
