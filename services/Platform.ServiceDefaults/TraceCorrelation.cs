using System.Diagnostics;
using Marten;

namespace Platform.ServiceDefaults;

/// <summary>
/// Stamps every appended event with the current trace: its id as the correlation id, and the W3C
/// <c>traceparent</c> as a header that the relay carries onto the bus, so one trace runs from the HTTP
/// request through the append, the relay and RabbitMQ to the projection.
/// </summary>
/// <remarks>
/// Marten copies a session's headers onto its events before it calls the listeners, so a header set on
/// the session here would be lost: the pending events themselves are stamped. Their rows are written after
/// the listeners have run. An event stamped already (<see cref="EventStamp"/>, a write decided in another
/// request and committed with others) keeps its own trace.
/// </remarks>
internal sealed class TraceCorrelation : DocumentSessionListenerBase
{
    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        if (Activity.Current is { Id: { } traceParent } activity)
        {
            new EventStamp(traceParent, activity.TraceId.ToString(), Actor: null)
                .Apply(session.PendingChanges.Streams().SelectMany(stream => stream.Events));
        }

        return Task.CompletedTask;
    }
}
