using System.Collections.Concurrent;
using System.Text;
using Platform.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Platform.EndToEnd.Tests;

/// <summary>A private queue bound to every event exchange: what a consumer of the bus would see.</summary>
public sealed class BusTap : IAsyncDisposable
{
    private readonly IConnection connection;
    private readonly IChannel channel;
    private readonly ConcurrentQueue<string> bodies = new();

    private BusTap(IConnection connection, IChannel channel)
    {
        this.connection = connection;
        this.channel = channel;
    }

    public IReadOnlyCollection<string> Bodies => bodies;

    public static async Task<BusTap> OpenAsync(string rabbitMqUri)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(rabbitMqUri) }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var tap = new BusTap(connection, channel);
        var queue = (await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var definition in EventCatalogue.All)
        {
            var exchange = $"platform.{definition.StoredName}";
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueBindAsync(queue, exchange, string.Empty);
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            tap.bodies.Enqueue(Encoding.UTF8.GetString(delivery.Body.Span));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return tap;
    }

    public async Task WaitForAsync(Func<string, bool> match, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!bodies.Any(match))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The expected message did not cross the bus in time.");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await channel.CloseAsync();
        await connection.CloseAsync();
        channel.Dispose();
        connection.Dispose();
    }
}
