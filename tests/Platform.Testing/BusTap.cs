using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Platform.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Platform.Testing;

/// <summary>A private queue bound to every event exchange and every page exchange: what a consumer of the bus would see.</summary>
public sealed class BusTap : IAsyncDisposable
{
    private readonly IConnection connection;
    private readonly IChannel channel;
    private readonly ConcurrentQueue<BusMessage> messages = new();

    private BusTap(IConnection connection, IChannel channel)
    {
        this.connection = connection;
        this.channel = channel;
    }

    public IReadOnlyCollection<string> Bodies => [.. messages.Select(message => message.Body)];

    /// <summary>Every message received so far, with the exchange it was published to.</summary>
    public IReadOnlyCollection<BusMessage> Messages => messages;

    /// <param name="rabbitMqUri">The broker.</param>
    /// <param name="pages">Whether to bind the page exchanges too; without, RabbitMQ may have no queue for pages.</param>
    public static async Task<BusTap> OpenAsync(string rabbitMqUri, bool pages = true)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(rabbitMqUri) }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var tap = new BusTap(connection, channel);
        var queue = (await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var exchange in EventCatalogue.All.SelectMany(definition => definition.Paged && pages
                     ? new[] { $"platform.{definition.StoredName}", $"platform.{definition.StoredName}.page" }
                     : [$"platform.{definition.StoredName}"]))
        {
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueBindAsync(queue, exchange, string.Empty);
        }

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            tap.messages.Enqueue(new BusMessage(delivery.Exchange, Encoding.UTF8.GetString(delivery.Body.Span)));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return tap;
    }

    /// <summary>Waits until what was received so far satisfies <paramref name="condition"/>.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyCollection<BusMessage>, bool> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition(messages))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not seen on the bus within {within.TotalSeconds} s.");
            }

            await Task.Delay(50);
        }
    }

    public Task WaitForAsync(Func<string, bool> match, TimeSpan within) =>
        WaitForAsync(message => match(message.Body), count: 1, within);

    /// <summary>Waits until at least <paramref name="count"/> received messages match, and returns those that do.</summary>
    public async Task<IReadOnlyList<BusMessage>> WaitForAsync(Func<BusMessage, bool> match, int count, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var matching = messages.Where(match).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{count} expected message(s) did not cross the bus in time; {matching.Count} did.");
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

/// <param name="Exchange">The exchange the message was published to (<c>platform.token_issued</c>, <c>platform.token_issued.page</c>).</param>
/// <param name="Body">The message as it crossed the wire (MassTransit's JSON envelope around an <c>EventEnvelope</c> or an <c>EventPage</c>).</param>
public sealed record BusMessage(string Exchange, string Body)
{
    /// <summary>Whether the relay published it as a page of events.</summary>
    public bool IsPage => Exchange.EndsWith(".page", StringComparison.Ordinal);

    /// <summary>MassTransit's message id.</summary>
    public Guid MessageId => JsonDocument.Parse(Body).RootElement.GetProperty("messageId").GetGuid();

    /// <summary>The event envelopes it carries: itself for an <c>EventEnvelope</c>, each event of a page; none for anything else.</summary>
    public IReadOnlyList<JsonElement> Envelopes
    {
        get
        {
            try
            {
                var root = JsonDocument.Parse(Body).RootElement;
                if (!root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
                {
                    return [];
                }

                return message.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array ? [.. events.EnumerateArray()]
                    : message.TryGetProperty("streamId", out _) ? [message]
                    : [];
            }
            catch (JsonException)
            {
                return [];
            }
        }
    }
}
