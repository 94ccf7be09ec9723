using System.Diagnostics.Metrics;
using Platform.ServiceDefaults;

namespace Platform.Projection.Consuming;

/// <summary>How far behind the store the read model is, as seen from the messages this replica applies.</summary>
public sealed class ProjectionFeed
{
    private readonly TimeProvider time;
    private long lastSequence;
    private long lastTimestampTicks;

    public ProjectionFeed(TimeProvider time, IMeterFactory meters)
    {
        this.time = time;
        var meter = meters.Create(PlatformMeters.Projection);
        meter.CreateObservableGauge("platform.projection.position", () => Interlocked.Read(ref lastSequence), unit: "{sequence}",
            description: "Global sequence of the last event this replica applied to the read model.");
        meter.CreateObservableGauge("platform.projection.apply.delay", () => LagSeconds, unit: "s",
            description: "Time between an event's commit and this replica applying it, for the last event applied.");
    }

    public double LagSeconds { get; private set; }

    public void Applied(long sequence, DateTimeOffset committedAt)
    {
        InterlockedMax(ref lastSequence, sequence);
        Interlocked.Exchange(ref lastTimestampTicks, committedAt.UtcTicks);
        LagSeconds = Math.Max(0, (time.GetUtcNow() - committedAt).TotalSeconds);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while ((seen = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
