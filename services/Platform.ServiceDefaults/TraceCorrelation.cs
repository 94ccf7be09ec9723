using System.Diagnostics;
using Marten;

namespace Platform.ServiceDefaults;

/// <summary>
/// Stamps every appended event with the current trace: its id as the correlation id, and the W3C
/// <c>traceparent</c> as a header that the relay carries onto the bus, so one trace runs from the HTTP
/// request through the append, the relay and RabbitMQ to the projection.
/// </summary>
internal sealed class TraceCorrelation : DocumentSessionListenerBase
{
    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        if (Activity.Current is { } activity)
        {
            session.CorrelationId ??= activity.TraceId.ToString();
            session.SetHeader("traceparent", activity.Id ?? string.Empty);
        }

        return Task.CompletedTask;
    }
}
