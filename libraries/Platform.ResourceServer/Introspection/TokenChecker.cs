using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Platform.ResourceServer.Introspection;

/// <summary>
/// Decides about a token: from the cache when an answer may be reused, else by one introspection request however
/// many requests present the same token at that moment.
/// </summary>
internal sealed class TokenChecker(IntrospectionClient introspection, IntrospectionCache cache, ILogger<TokenChecker> logger)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TokenVerdict>>> inFlight = new(StringComparer.Ordinal);

    public async Task<TokenVerdict> CheckAsync(string token, ResourceServerOptions options, string scheme)
    {
        var key = IntrospectionCache.KeyOf(scheme, token);
        if (cache.Find(key) is { } known)
        {
            return known;
        }

        var flight = inFlight.GetOrAdd(key, _ => new Lazy<Task<TokenVerdict>>(() => IntrospectAsync(key, token, options, scheme)));
        try
        {
            return await flight.Value;
        }
        finally
        {
            inFlight.TryRemove(new KeyValuePair<string, Lazy<Task<TokenVerdict>>>(key, flight));
        }
    }

    private async Task<TokenVerdict> IntrospectAsync(string key, string token, ResourceServerOptions options, string scheme)
    {
        var revision = cache.Revision;

        // Not the request's own cancellation: other requests may be waiting for this answer.
        var verdict = await introspection.IntrospectAsync(token, options, scheme, CancellationToken.None);
        switch (verdict)
        {
            case TokenVerdict.Accepted accepted:
                cache.Store(key, accepted, options.CacheMaxAge, options.CacheSize, revision);
                break;
            case TokenVerdict.Unavailable unavailable:
                logger.LogWarning("Access tokens cannot be checked: {Reason}. Requests get 503 until the authorization server answers.", unavailable.Reason);
                break;
        }

        return verdict;
    }
}
