using System.Reflection;
using MassTransit;

namespace Platform.ServiceDefaults.Bus;

/// <summary>
/// How soon the bus tries RabbitMQ again after losing it: every attempt at most <see cref="MaximumDelay"/> apart
/// (MassTransit adds up to a quarter of jitter and a pause of its own of 1 s), so consumers and the relay are back a
/// few seconds after the broker accepts connections, and a broker that stays down sees one connection attempt from
/// each receive endpoint every few seconds, not a storm.
/// </summary>
/// <remarks>
/// MassTransit 8.5's RabbitMQ transport waits between attempts by a fixed policy of its host configuration
/// (<c>RabbitMqHostConfiguration</c>: exponential from 3 s to 30 s, jitter of ±25 %, plus a pause of 1 s) that no
/// configurator exposes. A receive endpoint keeps counting its attempts for as long as it lives, so the more outages
/// a service has seen the closer each wait is to 30 s; a publish caught by an outage retries by the same policy (the
/// host's send policy is its receive policy), from 6 s up. In the reliability run a broker back after a 30 s outage
/// was found again 41 s later. The policy is replaced on the host configuration before the bus is built; if a
/// MassTransit upgrade moves it, the service stops at start-up saying so.
/// </remarks>
public static class BrokerReconnect
{
    /// <summary>The longest wait between two attempts to reach the broker, before jitter.</summary>
    public static readonly TimeSpan MaximumDelay = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Replaces the host's reconnection policy by one with the same exception filter and a capped back-off.</summary>
    public static void ReconnectWithin(this IRabbitMqBusFactoryConfigurator rabbit, TimeSpan maximumDelay)
    {
        const BindingFlags Instance = BindingFlags.Instance | BindingFlags.NonPublic;
        var host = rabbit.GetType().GetField("_hostConfiguration", Instance)?.GetValue(rabbit);
        var policy = host?.GetType().GetField($"<{nameof(MassTransit.Configuration.IHostConfiguration.ReceiveTransportRetryPolicy)}>k__BackingField", Instance);
        if (host is null || policy?.GetValue(host) is not IRetryPolicy original)
        {
            throw new InvalidOperationException(
                "This MassTransit version keeps the RabbitMQ reconnection policy elsewhere than Platform.ServiceDefaults/Bus/BrokerReconnect.cs expects: update that file for it.");
        }

        // MassTransit's own filter decides what a lost broker looks like (and that a refused login is not one).
        policy.SetValue(host, Retry.CreatePolicy(retry =>
        {
            retry.Handle<Exception>(original.IsHandled);
            retry.Exponential(int.MaxValue, FirstDelay, maximumDelay, FirstDelay);
        }));
    }
}
