using System.Collections.Concurrent;
using System.Diagnostics;
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
/// <remarks>
/// The daemon runs outside the request that appended the event, so each publish starts its own activity as a child
/// of the <c>traceparent</c> the append stored in the event's headers (<see cref="EventStamp"/>). MassTransit's
/// send activity is then that activity's child, and MassTransit 8 carries it to the consumer in its own
/// <c>MT-Activity-Id</c> header, which parents the consumer's receive activity: one trace from the request to the
/// projection update.
/// </remarks>
public sealed class EventRelay(IBus bus, RelayMetrics metrics, ILogger<EventRelay> logger) : SubscriptionBase
{
    /// <summary>The activity source of the relay's publish activities.</summary>
    public const string ActivitySourceName = "Platform.Relay";

    private static readonly ActivitySource Source = new(ActivitySourceName);
    private static readonly ConcurrentDictionary<Type, Func<IEvent, object>> Envelopes = new();
    private static readonly TimeSpan MaximumBackoff = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The longest a page's publishes may take before the relay gives up on them and publishes the page again: a
    /// publish caught by a broker killed mid-stream can wait on a channel that is gone, and a relay that waits forever
    /// relays nothing more (seen once in the reliability run's <c>rabbitmq-killed</c>).
    /// </summary>
    internal static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(30);

    public override async Task<IChangeListener> ProcessEventsAsync(
        EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(PublishTimeout);
                await Task.WhenAll(page.Events.Select(e => PublishAsync(e, attempt.Token))).WaitAsync(attempt.Token);
                metrics.Published(page.Events.Count, page.Events.LastOrDefault());
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

    private async Task PublishAsync(IEvent stored, CancellationToken cancellationToken)
    {
        var envelope = Envelopes.GetOrAdd(stored.EventType, CreateFactory)(stored);
        using var activity = StartPublishActivity(stored);
        await bus.Publish(envelope, envelope.GetType(), context =>
        {
            // The event's own id: a republished event is recognisably the same message.
            context.MessageId = stored.Id;
            // For consumers that read the W3C header rather than MassTransit's own.
            if (activity?.Id is { } traceParent)
            {
                context.Headers.Set(TraceHeaders.TraceParent, traceParent);
            }
        }, cancellationToken);
    }

    /// <summary>
    /// The publish activity of one event: a child of the trace that appended it when its headers carry one, else of
    /// whatever the daemon runs under; linked to the daemon's activity either way.
    /// </summary>
    internal static Activity? StartPublishActivity(IEvent stored)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var daemon = Activity.Current;
        var parent = stored.Headers?.TryGetValue(TraceHeaders.TraceParent, out var value) == true
                     && ActivityContext.TryParse(value?.ToString(), null, isRemote: true, out var appended)
            ? appended
            : daemon?.Context ?? default;
        var storedName = stored.EventTypeName;
        return Source.StartActivity(
            $"relay {storedName}",
            ActivityKind.Producer,
            parent,
            [new("messaging.system", "rabbitmq"), new("platform.event.type", storedName), new("platform.event.sequence", stored.Sequence)],
            daemon is null || daemon.Context == parent ? null : [new ActivityLink(daemon.Context)]);
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
