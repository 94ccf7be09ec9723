using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using Platform.Contracts;
using Platform.Projection.Consuming;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Rebuilding;

/// <summary>
/// From a stored event to a view: which events the read model keeps, and the same pure evolutions the bus
/// consumers apply. The events are those the consumers subscribe to (read off their <c>IConsumer&lt;EventEnvelope&lt;T&gt;&gt;</c>
/// <c>IConsumer&lt;Batch&lt;EventEnvelope&lt;T&gt;&gt;&gt;</c> and <c>IConsumer&lt;EventPage&lt;T&gt;&gt;</c> interfaces), so a rebuild can never keep more or fewer kinds than the
/// live read model does.
/// </summary>
public static class RebuildDispatch
{
    private static readonly JsonSerializerOptions Contracts = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private static readonly (Type Consumer, Type View)[] Consumers =
    [
        (typeof(TokenEventsConsumer), typeof(TokenView)),
        (typeof(TokenIssuedConsumer), typeof(TokenView)),
        (typeof(TokenIssuedPageConsumer), typeof(TokenView)),
        (typeof(ClientEventsConsumer), typeof(ClientView)),
        (typeof(GrantEventsConsumer), typeof(GrantView)),
        (typeof(UserEventsConsumer), typeof(UserView)),
    ];

    /// <summary>Every view type of the read model, in a fixed order.</summary>
    public static IReadOnlyList<Type> ViewTypes { get; } = [.. Consumers.Select(c => c.View).Distinct()];

    private static readonly FrozenDictionary<string, (EventDefinition Definition, Type View)> Kept = Consumers
        .SelectMany(c => c.Consumer.GetInterfaces()
            .Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(MassTransit.IConsumer<>))
            .Select(i => Unbatched(i.GetGenericArguments()[0]))
            .Where(m => m.IsGenericType && m.GetGenericTypeDefinition() == typeof(EventEnvelope<>))
            .Select(m => (Definition: EventCatalogue.Of(m.GetGenericArguments()[0]), c.View)))
        .DistinctBy(k => k.Definition.StoredName)
        .ToFrozenDictionary(k => k.Definition.StoredName);

    /// <summary>The stored names of the events the read model keeps; every other event is skipped.</summary>
    public static IReadOnlyList<string> StoredNames { get; } = [.. Kept.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The view an event of this stored name changes, null when the read model does not keep it.</summary>
    public static Type? ViewOf(string storedName) => Kept.TryGetValue(storedName, out var kept) ? kept.View : null;

    /// <summary>The typed event of a stored row, null when the read model does not keep events of that name.</summary>
    /// <exception cref="JsonException">The stored data is not a valid event of its name (the rebuild stops: it never skips).</exception>
    public static object? Deserialize(string storedName, string data) =>
        Kept.TryGetValue(storedName, out var kept)
            ? JsonSerializer.Deserialize(data, kept.Definition.Type, Contracts)
                ?? throw new JsonException($"The stored {storedName} event is null.")
            : null;

    /// <summary>
    /// Applies one event to its view exactly as the consumers do (<c>Consuming/ReadModelConsumers.cs</c>): the view's
    /// id is the stream id, tokens evolve by sequence, clients, grants and users by stream version and sequence.
    /// </summary>
    public static object Apply(object? current, object @event, long streamVersion, long sequence) => ViewOfEvent(@event) switch
    {
        var view when view == typeof(TokenView) => TokenEvolution.Apply((TokenView?)current, @event, sequence),
        var view when view == typeof(ClientView) => ClientEvolution.Apply((ClientView?)current, @event, streamVersion, sequence),
        var view when view == typeof(GrantView) => GrantEvolution.Apply((GrantView?)current, @event, streamVersion, sequence),
        var view when view == typeof(UserView) => UserEvolution.Apply((UserView?)current, @event, streamVersion, sequence),
        _ => throw new ArgumentException($"{@event.GetType().Name} is not an event the read model keeps.", nameof(@event)),
    };

    /// <summary>The envelope type of a MassTransit batch of envelopes or of a relay page; any other message as it is.</summary>
    private static Type Unbatched(Type message) => !message.IsGenericType ? message
        : message.GetGenericTypeDefinition() == typeof(MassTransit.Batch<>) ? message.GetGenericArguments()[0]
        : message.GetGenericTypeDefinition() == typeof(EventPage<>) ? typeof(EventEnvelope<>).MakeGenericType(message.GetGenericArguments()[0])
        : message;

    private static Type? ViewOfEvent(object @event) =>
        ViewOf(EventCatalogue.Of(@event.GetType()).StoredName);
}
