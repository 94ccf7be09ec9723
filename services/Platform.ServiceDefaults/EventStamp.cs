using System.Diagnostics;
using JasperFx.Events;

namespace Platform.ServiceDefaults;

/// <summary>
/// What an event is stamped with about the request that decided it: the trace (<see cref="TraceCorrelation"/>)
/// and the actor (<see cref="EventActor"/>). The session listeners stamp every event of a save from the ambient
/// request; a write that is committed later, by another task (a group commit), captures the stamp where it is
/// decided and applies it to its own events, which the listeners then leave as they are.
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
}
