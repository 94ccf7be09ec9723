using Microsoft.Extensions.Options;
using Platform.Identity.Storage;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Introspection;

/// <summary>
/// The introspection callers' client views, by client id, kept per replica for at most
/// <c>Platform:Identity:LookupLifetime</c> (5 s): a resource server asks many times a second, and its client
/// record changes rarely. Cleared at once on this replica when it applies a client's event, and on every replica
/// when a client is disabled (the fan-out eviction queue); a secret rotated elsewhere is honoured within the lifetime.
/// </summary>
public sealed class CallerCache(IOptions<IdentityCacheOptions> options, TimeProvider time, IntrospectionMetrics? metrics = null)
{
    private readonly ReadCache<ClientView> views = new(options.Value, view => view, time);

    public bool TryGet(string clientId, out ClientView view)
    {
        var hit = views.TryGet(clientId, out view);
        if (views.Enabled)
        {
            metrics?.CacheLookup("caller", hit);
        }

        return hit;
    }

    public long Now() => views.Now();

    public void Set(string clientId, ClientView view, long readStarted) => views.Set(clientId, view, readStarted);

    public void Clear() => views.Clear();
}
