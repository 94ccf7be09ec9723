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
        var definitions = ownedStreamKinds.SelectMany(EventCatalogue.OfStreamKind).ToList();
        var name = $"relay_{service}";
        marten.Services.AddSingleton<RelayMetrics>();
        // Marten names a subscription's position after the subscription and its shard.
        marten.Services.AddSingleton(new RelayScope($"{name}:All", definitions.Select(definition => definition.StoredName).ToList()));
        marten.Services.AddHostedService<RelayLag>();
        return marten
            .AddSubscriptionWithServices<EventRelay>(ServiceLifetime.Singleton, subscription =>
            {
                subscription.Name = name;
                foreach (var definition in definitions)
                {
                    subscription.IncludeType(definition.Type);
                }
            })
            .AddAsyncDaemon(DaemonMode.HotCold);
    }
}
