using Marten;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Bus;

/// <summary>
/// Tells the relays that events were appended, one PostgreSQL channel per stream kind
/// (<c>platform_appended_token</c>, ...), in the same transaction as the events, so PostgreSQL delivers the
/// notification only once they are committed. A relay listens on the channels of the kinds it relays and
/// is not woken by the others: the token relay by every issued token, the client relay not at all.
/// </summary>
/// <remarks>
/// Marten's own notification (<c>UseListenNotifyForEventAppends</c>) is one channel for every append, which woke
/// the three relays on each token: three high-water queries, three page reads and three progress writes per
/// token, the most of PostgreSQL's work per issued token.
/// </remarks>
internal sealed class AppendNotification : DocumentSessionListenerBase
{
    private static readonly Dictionary<Type, string> StreamKindOf = EventCatalogue.All.ToDictionary(e => e.Type, e => e.StreamKind);

    public static string ChannelOf(string streamKind) => $"platform_appended_{streamKind}";

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        // Read after Marten has turned the appended events into operations, written with them in one batch.
        foreach (var kind in session.PendingChanges.Streams()
                     .SelectMany(stream => stream.Events)
                     .Select(e => StreamKindOf.GetValueOrDefault(e.EventType))
                     .OfType<string>()
                     .Distinct())
        {
            session.QueueSqlCommand("select pg_notify(?, '')", ChannelOf(kind));
        }

        return Task.CompletedTask;
    }
}
