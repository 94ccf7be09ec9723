using MassTransit;
using Microsoft.AspNetCore.Builder;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Bus;

/// <summary>RabbitMQ through MassTransit, with the exchange names taken from the event catalogue.</summary>
public static class PlatformBus
{
    public const string RabbitMqKey = "ConnectionStrings:RabbitMq";

    public static Uri RabbitMqUri(this WebApplicationBuilder builder)
    {
        var value = builder.Configuration.Require(RabbitMqKey, "the RabbitMQ URI (for example amqp://guest:guest@127.0.0.1:5672/)");
        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps" or "rabbitmq" or "rabbitmqs"
            ? uri
            : throw new MissingSettingException(RabbitMqKey, "the RabbitMQ URI", $"'{Redact(value)}' is not an amqp:// URI");
    }

    public static WebApplicationBuilder AddPlatformBus(
        this WebApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? registerConsumers = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configure = null)
    {
        var uri = builder.RabbitMqUri();
        builder.Services.AddMassTransit(bus =>
        {
            bus.ConfigureHealthCheckOptions(health =>
            {
                health.Name = "rabbitmq";
                health.Tags.Add(ServiceDefaults.ReadyTag);
            });
            // Queues are named after the service and the consumer (projection-token-events), so replicas of one
            // service compete for a queue while different services each get every event.
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(builder.QueuePrefix(), includeNamespace: false));
            registerConsumers?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(uri);
                rabbit.ReconnectWithin(BrokerReconnect.MaximumDelay);
                rabbit.MessageTopology.SetEntityNameFormatter(new CatalogueEntityNames(rabbit.MessageTopology.EntityNameFormatter));
                configure?.Invoke(context, rabbit);
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    /// <summary>Setting <c>Platform:Bus:QueuePrefix</c>; defaults to the service's name.</summary>
    public const string QueuePrefixKey = "Platform:Bus:QueuePrefix";

    public static string QueuePrefix(this WebApplicationBuilder builder) =>
        builder.Configuration[QueuePrefixKey] is { Length: > 0 } prefix
            ? prefix
            : builder.Environment.ApplicationName.Replace("Platform.", string.Empty, StringComparison.Ordinal).ToLowerInvariant();

    private static string Redact(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo)
            ? value.Replace(uri.UserInfo, "***", StringComparison.Ordinal)
            : value;
}

/// <summary>
/// An exchange per event, named by its pinned stored name (<c>platform.token_revoked</c>), and one per paged event
/// for its pages (<c>platform.token_issued.page</c>), so that renaming a CLR type never reroutes the bus.
/// </summary>
public sealed class CatalogueEntityNames(IEntityNameFormatter fallback) : IEntityNameFormatter
{
    public string FormatEntityName<T>()
    {
        var type = typeof(T);
        var generic = type.IsGenericType ? type.GetGenericTypeDefinition() : null;
        return generic == typeof(EventEnvelope<>) ? $"platform.{EventCatalogue.Of(type.GetGenericArguments()[0]).StoredName}"
            : generic == typeof(EventPage<>) ? $"platform.{EventCatalogue.Of(type.GetGenericArguments()[0]).StoredName}.page"
            : fallback.FormatEntityName<T>();
    }
}
