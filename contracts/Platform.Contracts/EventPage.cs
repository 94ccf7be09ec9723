namespace Platform.Contracts;

/// <summary>
/// Several events of one kind that the relay read in one page of the store, as one message: the envelopes in store
/// order, each exactly as it would travel alone. Only events the catalogue marks <see cref="EventDefinition.Paged"/>
/// travel this way, and only when a page holds more than one of them: a consumer of such an event consumes both this
/// and <see cref="EventEnvelope{TEvent}"/>. Delivery is at-least-once like the envelopes', and a page published again
/// after a crash may be cut differently: consumers stay idempotent per event, never per page.
/// </summary>
/// <typeparam name="TEvent">An event of <see cref="EventCatalogue"/> marked paged.</typeparam>
/// <param name="Events">The events, in store order (ascending <see cref="EventEnvelope{TEvent}.Sequence"/>).</param>
public sealed record EventPage<TEvent>(IReadOnlyList<EventEnvelope<TEvent>> Events) where TEvent : class;
