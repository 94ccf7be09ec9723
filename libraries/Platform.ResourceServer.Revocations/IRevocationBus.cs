using MassTransit;

namespace Platform.ResourceServer.Revocations;

/// <summary>
/// The bus the revocation feed runs on, separate from any bus the application has of its own (MassTransit multi-bus),
/// so that adding the feed changes nothing about the application's own messaging.
/// </summary>
public interface IRevocationBus : IBus;
