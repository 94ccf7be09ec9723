using System.Diagnostics;
using JasperFx.Events;
using Marten;

namespace Platform.ServiceDefaults;

/// <summary>
/// What an event is stamped with about the request that decided it: the trace (its id as the correlation id, the
/// W3C <c>traceparent</c> as a header the relay carries onto the bus, so one trace runs from the HTTP request through
/// the append, the relay and RabbitMQ to the projection) and the actor (<see cref="EventActor"/>). The session
/// <see cref="Listener"/> stamps every event of a save from the ambient request; a write that is committed later, by
/// another task (a group commit), captures the stamp where it is decided and applies it to its own events, which the
/// listener then leaves as they are.
/// </summary>
public readonly record struct EventStamp(string? TraceParent, string? TraceId, string? Actor)
{
    /// <summary>The current request's trace and actor.</summary>
    public static EventStamp Capture() =>
        Activity.Current is { Id: { } traceParent } activity
            ? new EventStamp(traceParent, activity.TraceId.ToString(), EventActor.Current)
            : new EventStamp(null, null, EventActor.Current);

    /// <summary>Stamps events that are not stamped yet; a stamp already there is the deciding request's and stays.</summary>
    public void Apply(IEnumerable<IEvent> events)
    {
        foreach (var @event in events)
        {
            if (TraceParent is not null && @event.GetHeader(Bus.TraceHeaders.TraceParent) is null)
            {
                @event.CorrelationId ??= TraceId;
                @event.SetHeader(Bus.TraceHeaders.TraceParent, TraceParent);
            }

            if (Actor is not null && @event.GetHeader(EventActor.Header) is null)
            {
                @event.SetHeader(EventActor.Header, Actor);
            }
        }
    }

    /// <summary>Stamps the pending events of every save with the ambient request's trace and actor.</summary>
    /// <remarks>
    /// Marten copies a session's headers onto its events before it calls the listeners, so a header set on the
    /// session here would be lost: the pending events themselves are stamped. Their rows are written after the
    /// listeners have run.
    /// </remarks>
    internal sealed class Listener : DocumentSessionListenerBase
    {
        public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
        {
            Capture().Apply(session.PendingChanges.Streams().SelectMany(stream => stream.Events));
            return Task.CompletedTask;
        }
    }
}
