namespace Platform.Contracts;

/// <summary>
/// How an event of the store travels over the bus: the stored event itself plus where it sits in the store.
/// Consumers use <see cref="Sequence"/> and <see cref="StreamVersion"/> to stay idempotent and order-insensitive.
/// </summary>
/// <typeparam name="TEvent">An event of <see cref="EventCatalogue"/>.</typeparam>
/// <param name="StreamId">The stream the event was appended to.</param>
/// <param name="StreamVersion">The event's version within its stream (1 for the first event).</param>
/// <param name="Sequence">The event's global sequence number in the store.</param>
/// <param name="Timestamp">When the append committed.</param>
/// <param name="CorrelationId">The correlation id of the request that caused it (the W3C trace id when traced).</param>
/// <param name="EventType">The event's stored name, from <see cref="EventCatalogue"/>.</param>
/// <param name="Data">The event.</param>
public sealed record EventEnvelope<TEvent>(
    string StreamId,
    long StreamVersion,
    long Sequence,
    DateTimeOffset Timestamp,
    string? CorrelationId,
    string EventType,
    TEvent Data) where TEvent : class;
