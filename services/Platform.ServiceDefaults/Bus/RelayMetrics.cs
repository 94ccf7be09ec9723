using System.Diagnostics.Metrics;
using JasperFx.Events;

namespace Platform.ServiceDefaults.Bus;

/// <summary>
/// What the active relay of this replica published: <c>platform.relay.published</c>, <c>platform.relay.position</c>
/// and <c>platform.relay.publish.delay</c>. How far the relay is behind the store, as any replica sees it, is
/// <see cref="RelayLag"/>'s.
/// </summary>
public sealed class RelayMetrics
{
    private readonly Counter<long> published;
    private long lastSequence;
    private double lastDelaySeconds;

    public RelayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PlatformMeters.Relay);
        published = meter.CreateCounter<long>("platform.relay.published", unit: "{event}",
            description: "Events the relay published to RabbitMQ and RabbitMQ confirmed.");
        meter.CreateObservableGauge("platform.relay.position", () => Interlocked.Read(ref lastSequence), unit: "{sequence}",
            description: "Global sequence of the last event the relay of this replica published.");
        meter.CreateObservableGauge("platform.relay.publish.delay", () => Volatile.Read(ref lastDelaySeconds), unit: "s",
            description: "Time between the commit of the last event the relay published and RabbitMQ confirming it.");
    }

    public long Position => Interlocked.Read(ref lastSequence);

    public void Published(int count, IEvent? last)
    {
        published.Add(count);
        if (last is not null)
        {
            Interlocked.Exchange(ref lastSequence, last.Sequence);
            Volatile.Write(ref lastDelaySeconds, Math.Max(0, (DateTimeOffset.UtcNow - last.Timestamp).TotalSeconds));
        }
    }
}
