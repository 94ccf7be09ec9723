using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Bus;

public static class RelayRegistration
{
    /// <summary>
    /// The shortest time between two wakes of a relay: a revocation reaches the bus at most this much later,
    /// and under load one page carries the events of this interval instead of one event each.
    /// </summary>
    public static readonly TimeSpan WakeInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How far (in sequence numbers) the daemon may load ahead of what the relay has published. The daemon loads a
    /// page at each high-water reading, which comes every <see cref="WakeInterval"/> under load; while the broker is
    /// away the relay holds its page, and with Marten's default (5,000, and twice the batch size of 500) a thousand
    /// sequence numbers queued up in pages of one or two events, each published and recorded on its own once the
    /// broker was back: 20 s of catching up after a 30 s outage. With a short hopper the queue stays short, and what
    /// came during the outage is read afterwards in pages of up to the batch size.
    /// </summary>
    public const int LoadAhead = 10;

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

        // Woken by the commits of its own stream kinds, at most once per interval; otherwise Marten's polling.
        marten.Services.ConfigureMarten((services, options) => options.Projections.Wakeup = new RelayWakeup(
            NpgsqlDataSource.Create(services.GetRequiredService<IConfiguration>()[EventStore.PostgresKey]!),
            [.. ownedStreamKinds.Select(AppendNotification.ChannelOf)],
            WakeInterval,
            services.GetRequiredService<ILogger<RelayWakeup>>()));

        return marten
            .AddSubscriptionWithServices<EventRelay>(ServiceLifetime.Singleton, subscription =>
            {
                subscription.Name = name;
                subscription.Options.MaximumHopperSize = LoadAhead;
                foreach (var definition in definitions)
                {
                    subscription.IncludeType(definition.Type);
                }
            })
            .AddAsyncDaemon(DaemonMode.HotCold);
    }
}
