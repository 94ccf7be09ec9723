using MassTransit;
using Microsoft.Extensions.Logging;
using Platform.Contracts;
using Platform.Contracts.Events;

namespace Platform.ResourceServer.Revocations;

/// <summary>
/// Applies Platform's revocation messages to the cache: a revoked token (the stream id is its <c>jti</c>) is refused
/// from then on as revoked; a revoked grant, a disabled or deleted client or a disabled user may concern any cached
/// token, and introspection answers do not say which, so the whole cache is forgotten.
/// </summary>
internal sealed class RevocationConsumer(IntrospectionCache cache, ILogger<RevocationConsumer> logger) :
    IConsumer<EventEnvelope<TokenRevoked>>,
    IConsumer<EventEnvelope<GrantRevoked>>,
    IConsumer<EventEnvelope<ClientDisabled>>,
    IConsumer<EventEnvelope<ClientDeleted>>,
    IConsumer<EventEnvelope<UserDisabled>>
{
    public Task Consume(ConsumeContext<EventEnvelope<TokenRevoked>> context)
    {
        cache.Revoke(context.Message.StreamId);
        logger.LogDebug("Token {TokenId} revoked ({Reason}): refused from the cache from now on.", context.Message.StreamId, context.Message.Data.Reason);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<EventEnvelope<GrantRevoked>> context) => Forget("grant revoked");

    public Task Consume(ConsumeContext<EventEnvelope<ClientDisabled>> context) => Forget("client disabled");

    public Task Consume(ConsumeContext<EventEnvelope<ClientDeleted>> context) => Forget("client deleted");

    public Task Consume(ConsumeContext<EventEnvelope<UserDisabled>> context) => Forget("user disabled");

    private Task Forget(string why)
    {
        cache.Clear();
        logger.LogDebug("Cache cleared: {Why}.", why);
        return Task.CompletedTask;
    }
}
