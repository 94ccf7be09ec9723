using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Bus;

public static class RelayRegistration
{
    /// <summary>
    /// Relays the events of the stream kinds this service owns. The subscription's name is its position's
    /// name in the store: keep it stable, or the relay starts again from the first event.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddEventRelay(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten, string service, params string[] ownedStreamKinds)
    {
        return marten
            .AddSubscriptionWithServices<EventRelay>(ServiceLifetime.Singleton, subscription =>
            {
                subscription.Name = $"relay_{service}";
                foreach (var definition in ownedStreamKinds.SelectMany(EventCatalogue.OfStreamKind))
                {
                    subscription.IncludeType(definition.Type);
                }
            })
            .AddAsyncDaemon(DaemonMode.HotCold);
    }
}
