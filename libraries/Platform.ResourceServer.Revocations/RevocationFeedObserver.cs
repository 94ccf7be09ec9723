using MassTransit;
using Microsoft.Extensions.Logging;

namespace Platform.ResourceServer.Revocations;

/// <summary>
/// Lets the cache reuse answers only while the feed listens: until its queue is bound, and whenever it loses the
/// broker, the cache is suspended (every request is introspected), since a revocation could pass unseen.
/// </summary>
internal sealed class RevocationFeedObserver(IntrospectionCache cache, ILogger<RevocationFeedObserver> logger) : IReceiveEndpointObserver
{
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes the first time the feed listens.</summary>
    public Task Listening => listening.Task;

    public Task Ready(ReceiveEndpointReady ready)
    {
        cache.Resume();
        listening.TrySetResult();
        logger.LogInformation("Revocation feed listening: cached introspection answers are reused and evicted on revocation.");
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping)
    {
        cache.Suspend();
        return Task.CompletedTask;
    }

    public Task Completed(ReceiveEndpointCompleted completed)
    {
        cache.Suspend();
        return Task.CompletedTask;
    }

    public Task Faulted(ReceiveEndpointFaulted faulted)
    {
        cache.Suspend();
        logger.LogWarning("Revocation feed lost the broker ({Reason}): every request is introspected until it is back.", faulted.Exception?.Message);
        return Task.CompletedTask;
    }
}
