namespace Platform.ResourceServer.Revocations;

/// <summary>Where Platform publishes its events (bound from the section given to <c>AddPlatformRevocationFeed</c>).</summary>
public sealed class RevocationFeedOptions
{
    /// <summary>The RabbitMQ URI Platform publishes to (<c>amqp://user:password@host:port/vhost</c>). Required.</summary>
    public Uri? RabbitMq { get; set; }

    /// <summary>The start of the API's queue name; the application's name by default. Each process gets a queue of its own.</summary>
    public string? QueuePrefix { get; set; }
}
