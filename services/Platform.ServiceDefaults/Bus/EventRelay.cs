using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using MassTransit;
using Microsoft.Extensions.Logging;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Bus;

/// <summary>
/// The outbox relay: a Marten subscription, run by the async daemon (HotCold, so one replica relays at a
/// time), that publishes each event of the streams this service owns, in store order, wrapped in its
/// envelope. The daemon records the position only after a page is published and confirmed by RabbitMQ,
/// so a crash republishes rather than loses (at-least-once; consumers are idempotent). When the broker is
/// away the relay waits and retries the same page; it never skips an event.
/// </summary>
public sealed class EventRelay(IBus bus, ILogger<EventRelay> logger) : SubscriptionBase
{
    private static readonly ConcurrentDictionary<Type, Func<IEvent, object>> Envelopes = new();
    private static readonly TimeSpan MaximumBackoff = TimeSpan.FromSeconds(5);

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await Task.WhenAll(page.Events.Select(e => PublishAsync(e, cancellationToken)));
                RelayMetrics.Published(page.Events.Count, page.Events.LastOrDefault());
                return NullChangeListener.Instance;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Relay could not publish events {Floor}..{Ceiling}; retrying in {Backoff}",
                    page.SequenceFloor, page.SequenceCeiling, backoff);
                await Task.Delay(backoff, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaximumBackoff.Ticks));
            }
        }
    }

    private Task PublishAsync(IEvent stored, CancellationToken cancellationToken)
    {
        var envelope = Envelopes.GetOrAdd(stored.EventType, CreateFactory)(stored);
        return bus.Publish(envelope, envelope.GetType(), context =>
        {
            // The event's own id: a republished event is recognisably the same message.
            context.MessageId = stored.Id;
            if (stored.Headers?.TryGetValue(TraceHeaders.TraceParent, out var traceParent) == true && traceParent is not null)
            {
                context.Headers.Set(TraceHeaders.TraceParent, traceParent.ToString());
            }
        }, cancellationToken);
    }

    private static Func<IEvent, object> CreateFactory(Type eventType)
    {
        var envelopeType = typeof(EventEnvelope<>).MakeGenericType(eventType);
        var storedName = EventCatalogue.Of(eventType).StoredName;
        return stored => Activator.CreateInstance(
            envelopeType,
            stored.StreamKey ?? stored.StreamId.ToString(),
            stored.Version,
            stored.Sequence,
            stored.Timestamp,
            stored.CorrelationId,
            storedName,
            stored.Data)!;
    }
}

internal static class TraceHeaders
{
    public const string TraceParent = "traceparent";
}

internal static class RelayMetrics
{
    private static readonly Meter Meter = new("Platform.Relay");
    private static readonly Counter<long> PublishedEvents = Meter.CreateCounter<long>(
        "platform.relay.published", unit: "{event}", description: "Events the relay published to RabbitMQ and RabbitMQ confirmed.");
    private static long lastSequence;
    private static long lastTimestampTicks;

    static RelayMetrics()
    {
        Meter.CreateObservableGauge("platform.relay.position", () => Interlocked.Read(ref lastSequence), unit: "{sequence}",
            description: "Global sequence of the last event the relay published.");
        Meter.CreateObservableGauge("platform.relay.lag", () =>
            {
                var ticks = Interlocked.Read(ref lastTimestampTicks);
                return ticks == 0 ? 0 : (DateTimeOffset.UtcNow - new DateTimeOffset(ticks, TimeSpan.Zero)).TotalSeconds;
            }, unit: "s", description: "Age of the last event the relay published when it was published.");
    }

    public static void Published(int count, IEvent? last)
    {
        PublishedEvents.Add(count);
        if (last is not null)
        {
            Interlocked.Exchange(ref lastSequence, last.Sequence);
            Interlocked.Exchange(ref lastTimestampTicks, last.Timestamp.UtcTicks);
        }
    }
}
