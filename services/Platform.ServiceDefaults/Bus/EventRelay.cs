using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
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
/// Events the catalogue marks <see cref="EventDefinition.Paged"/> go out as one <see cref="EventPage{TEvent}"/> per
/// kind when a page holds several of them (at most <see cref="MaximumPageMessage"/> each): one message, one confirm
/// and one delivery for a page of issuances instead of one each.
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
    private static readonly ConcurrentDictionary<Type, Func<IReadOnlyList<IEvent>, object>> Pages = new();

    /// <summary>The most events in one <see cref="EventPage{TEvent}"/> message.</summary>
    public const int MaximumPageMessage = 500;

    /// <summary>The most links a page's publish activity carries to the traces that appended its events.</summary>
    internal const int MaximumLinks = 32;

    private long unroutedPages;
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
                await Task.WhenAll(Publishes(page.Events, attempt.Token)).WaitAsync(attempt.Token);
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

    /// <summary>One publish per event, except the paged kinds: one per kind (and per <see cref="MaximumPageMessage"/>) when there are several.</summary>
    private List<Task> Publishes(IReadOnlyList<IEvent> events, CancellationToken cancellationToken)
    {
        var publishes = new List<Task>();
        Dictionary<Type, List<IEvent>>? paged = null;
        foreach (var stored in events)
        {
            if (EventCatalogue.Of(stored.EventType).Paged)
            {
                paged ??= [];
                (paged.TryGetValue(stored.EventType, out var kind) ? kind : paged[stored.EventType] = []).Add(stored);
            }
            else
            {
                publishes.Add(PublishAsync(stored, cancellationToken));
            }
        }

        foreach (var kind in (paged ?? []).Values)
        {
            publishes.AddRange(kind.Count == 1
                ? [PublishAsync(kind[0], cancellationToken)]
                : kind.Chunk(MaximumPageMessage).Select(chunk => PublishPageAsync(chunk, cancellationToken)));
        }

        return publishes;
    }

    /// <summary>
    /// Publishes a page as one message, mandatory: when RabbitMQ has no queue bound to the page's exchange (a consumer
    /// that predates pages, or none started yet) it returns the message, and the page goes out one envelope per event
    /// instead, where such consumers listen. A relay upgraded before its consumers loses nothing.
    /// </summary>
    private async Task PublishPageAsync(IEvent[] events, CancellationToken cancellationToken)
    {
        var message = Pages.GetOrAdd(events[0].EventType, CreatePageFactory)(events);
        try
        {
            using var activity = StartPageActivity(events);
            await bus.Publish(message, message.GetType(), context =>
            {
                context.Mandatory = true;
                // Derived from its events' ids: the same page published again is recognisably the same message.
                context.MessageId = PageId(events);
                if (activity?.Id is { } traceParent)
                {
                    context.Headers.Set(TraceHeaders.TraceParent, traceParent);
                }
            }, cancellationToken);
            Interlocked.Exchange(ref unroutedPages, 0);
        }
        catch (MessageReturnedException)
        {
            if (Interlocked.Increment(ref unroutedPages) == 1)
            {
                logger.LogWarning("No queue is bound to the exchange of {Event} pages; relaying them one event at a time until one is",
                    events[0].EventTypeName);
            }

            await Task.WhenAll(events.Select(stored => PublishAsync(stored, cancellationToken)));
        }
    }

    /// <summary>A hash of the events' ids, in order.</summary>
    internal static Guid PageId(IReadOnlyList<IEvent> events)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> id = stackalloc byte[16];
        foreach (var stored in events)
        {
            stored.Id.TryWriteBytes(id);
            hash.AppendData(id);
        }

        return new Guid(hash.GetHashAndReset().AsSpan(0, 16));
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
        var appended = AppendedBy(stored);
        var parent = appended != default ? appended : daemon?.Context ?? default;
        var storedName = stored.EventTypeName;
        return Source.StartActivity(
            $"relay {storedName}",
            ActivityKind.Producer,
            parent,
            [new("messaging.system", "rabbitmq"), new("platform.event.type", storedName), new("platform.event.sequence", stored.Sequence)],
            daemon is null || daemon.Context == parent ? null : [new ActivityLink(daemon.Context)]);
    }

    /// <summary>
    /// The publish activity of a page: a child of the trace that appended its first event (as a lone event's is),
    /// linked to those of the others (the first <see cref="MaximumLinks"/> distinct ones) and to the daemon's.
    /// </summary>
    internal static Activity? StartPageActivity(IReadOnlyList<IEvent> events)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var daemon = Activity.Current;
        var appended = events.Select(AppendedBy).Where(context => context != default).Distinct().Take(MaximumLinks + 1).ToList();
        var parent = appended.Count > 0 ? appended[0] : daemon?.Context ?? default;
        var links = appended.Skip(1).Select(context => new ActivityLink(context)).ToList();
        if (daemon is not null && daemon.Context != parent)
        {
            links.Add(new ActivityLink(daemon.Context));
        }

        var storedName = events[0].EventTypeName;
        return Source.StartActivity(
            $"relay {storedName} page",
            ActivityKind.Producer,
            parent,
            [
                new("messaging.system", "rabbitmq"), new("messaging.batch.message_count", events.Count), new("platform.event.type", storedName),
                new("platform.event.sequence", events[0].Sequence), new("platform.event.last_sequence", events[^1].Sequence),
            ],
            links);
    }

    private static ActivityContext AppendedBy(IEvent stored) =>
        stored.Headers?.TryGetValue(TraceHeaders.TraceParent, out var value) == true
        && ActivityContext.TryParse(value?.ToString(), null, isRemote: true, out var appended)
            ? appended
            : default;

    private static Func<IReadOnlyList<IEvent>, object> CreatePageFactory(Type eventType) => Compile<Func<IReadOnlyList<IEvent>, object>>(nameof(Page), eventType);

    private static Func<IEvent, object> CreateFactory(Type eventType) => Compile<Func<IEvent, object>>(nameof(Envelope), eventType);

    /// <summary>One of the generic factories below, closed over an event type, as a delegate (once per type).</summary>
    private static TDelegate Compile<TDelegate>(string factory, Type eventType) where TDelegate : Delegate =>
        typeof(EventRelay).GetMethod(factory, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(eventType).CreateDelegate<TDelegate>();

    private static EventPage<TEvent> Page<TEvent>(IReadOnlyList<IEvent> events) where TEvent : class =>
        new([.. events.Select(Envelope<TEvent>)]);

    private static EventEnvelope<TEvent> Envelope<TEvent>(IEvent stored) where TEvent : class =>
        new(
            stored.StreamKey ?? stored.StreamId.ToString(),
            stored.Version,
            stored.Sequence,
            stored.Timestamp,
            stored.CorrelationId,
            StoredName<TEvent>.Value,
            (TEvent)stored.Data);

    /// <summary>An event type's stored name, looked up in the catalogue once per type rather than per event.</summary>
    private static class StoredName<TEvent>
    {
        public static readonly string Value = EventCatalogue.Of(typeof(TEvent)).StoredName;
    }
}

internal static class TraceHeaders
{
    public const string TraceParent = "traceparent";
}
