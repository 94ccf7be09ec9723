using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Contracts.Events;

namespace Platform.ResourceServer.Revocations;

/// <summary>
/// Listens to Platform's revocation messages on RabbitMQ so that a cached token revoked at Platform is refused at
/// once, not up to <see cref="ResourceServerOptions.CacheMaxAge"/> later. Each process binds a queue of its own
/// (not durable, deleted when the process goes) to Platform's exchanges, one per event (<c>platform.token_revoked</c>, ...).
/// </summary>
public static class RevocationFeed
{
    // The exchange of an event is "platform." + its stored name (Platform.ServiceDefaults' CatalogueEntityNames).
    private const string ExchangePrefix = "platform.";

    private static readonly Type[] Events = [typeof(TokenRevoked), typeof(GrantRevoked), typeof(ClientDisabled), typeof(ClientDeleted), typeof(UserDisabled)];

    /// <summary>The exchanges the feed binds its queue to.</summary>
    public static IReadOnlyList<string> Exchanges { get; } = Events.Select(e => ExchangePrefix + EventCatalogue.Of(e).StoredName).ToArray();

    /// <summary>
    /// Adds the feed with the settings of <paramref name="configuration"/> (<c>RabbitMq</c>, optional <c>QueuePrefix</c>).
    /// A missing or invalid <c>RabbitMq</c> stops the application at start-up with one sentence.
    /// </summary>
    /// <param name="services">The application's services (with <c>AddPlatformResourceServer</c> already added).</param>
    /// <param name="configuration">The section holding the settings, e.g. <c>ResourceServer:RevocationFeed</c>.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddPlatformRevocationFeed(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var path = configuration is IConfigurationSection section ? section.Path : "RevocationFeed";
        services.AddOptions<RevocationFeedOptions>().Bind(configuration).Validate(options =>
                options.RabbitMq is { IsAbsoluteUri: true, Scheme: "amqp" or "amqps" or "rabbitmq" or "rabbitmqs" },
                $"Set {path}:RabbitMq (environment {path.Replace(":", "__", StringComparison.Ordinal)}__RabbitMq) to the RabbitMQ URI Platform publishes to, such as amqp://guest:guest@localhost:5672/.")
            .ValidateOnStart();
        return services.AddFeed();
    }

    /// <summary>Adds the feed for the RabbitMQ at <paramref name="rabbitMq"/>.</summary>
    /// <param name="services">The application's services (with <c>AddPlatformResourceServer</c> already added).</param>
    /// <param name="rabbitMq">The RabbitMQ URI Platform publishes to.</param>
    /// <param name="queuePrefix">The start of the queue's name; the application's name when null.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddPlatformRevocationFeed(this IServiceCollection services, Uri rabbitMq, string? queuePrefix = null)
    {
        ArgumentNullException.ThrowIfNull(rabbitMq);
        services.AddOptions<RevocationFeedOptions>().Configure(options =>
        {
            options.RabbitMq = rabbitMq;
            options.QueuePrefix = queuePrefix;
        });
        return services.AddFeed();
    }

    /// <summary>
    /// Checks the feed's settings now rather than when the host starts, so that a program can print the one sentence
    /// of the <see cref="OptionsValidationException"/> and exit before the host logs anything.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <exception cref="OptionsValidationException"><c>RabbitMq</c> is missing or not an amqp URI.</exception>
    public static void CheckRevocationFeedSettings(this IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        _ = services.GetRequiredService<IOptions<RevocationFeedOptions>>().Value;
    }

    /// <summary>Waits until the feed's queue is bound and it receives messages (before that, the cache reuses nothing).</summary>
    /// <param name="services">The application's services.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    public static Task WaitUntilListeningAsync(this IServiceProvider services, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<RevocationFeedObserver>().Listening.WaitAsync(cancellationToken);

    private static IServiceCollection AddFeed(this IServiceCollection services)
    {
        services.AddSingleton<RevocationFeedObserver>();
        services.AddHostedService<SuspendUntilListening>();
        services.AddMassTransit<IRevocationBus>(bus =>
        {
            bus.AddConsumer<RevocationConsumer>().ExcludeFromConfigureEndpoints();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RevocationFeedOptions>>().Value;
                rabbit.Host(options.RabbitMq);
                var prefix = options.QueuePrefix is { Length: > 0 } given
                    ? given
                    : context.GetRequiredService<IHostEnvironment>().ApplicationName.ToLowerInvariant().Replace('.', '-');
                rabbit.ReceiveEndpoint($"{prefix}-revocations-{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid():N}", endpoint =>
                {
                    endpoint.Durable = false;
                    endpoint.AutoDelete = true;
                    endpoint.ConfigureConsumeTopology = false;
                    foreach (var exchange in Exchanges)
                    {
                        endpoint.Bind(exchange);
                    }

                    endpoint.ConnectReceiveEndpointObserver(context.GetRequiredService<RevocationFeedObserver>());
                    endpoint.ConfigureConsumer<RevocationConsumer>(context);
                });
            });
        });
        return services;
    }

    /// <summary>Until the feed first listens, a revocation could pass unseen: the cache starts suspended.</summary>
    private sealed class SuspendUntilListening(IntrospectionCache cache, RevocationFeedObserver observer) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (!observer.Listening.IsCompleted)
            {
                cache.Suspend();
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
