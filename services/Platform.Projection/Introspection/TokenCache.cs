using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Memory;
using Platform.Contracts.Events;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Introspection;

/// <summary>
/// This replica's cache of active tokens by reference hash, so a hot token costs no database round trip.
/// Bounded in entries; an entry lives at most until the token expires or <see cref="MaxAge"/>. Revocation
/// messages, which every replica receives, evict: a token by id, or everything for a grant, client or user cascade
/// (rare events). A read that raced an eviction is not cached (the generation changed meanwhile).
/// </summary>
public sealed class TokenCache : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private readonly MemoryCache cache;
    private readonly ConcurrentDictionary<string, string> hashById = new();
    private readonly TimeProvider time;
    private readonly IntrospectionMetrics? metrics;
    private long generation;

    public TokenCache(ProjectionOptions options, TimeProvider time, IntrospectionMetrics? metrics = null)
    {
        this.time = time;
        this.metrics = metrics;
        cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, options.CacheSize) });
        Enabled = options.CacheSize > 0;
    }

    public bool Enabled { get; }

    /// <summary>Read before loading from the read model; pass to <see cref="Set"/>.</summary>
    public long Generation => Interlocked.Read(ref generation);

    public TokenFacts? Get(string referenceIdHash)
    {
        if (!Enabled)
        {
            return null;
        }

        var facts = cache.Get<TokenFacts>(referenceIdHash);
        metrics?.CacheLookup("token", facts is not null);
        return facts;
    }

    /// <summary>
    /// Whether a token's facts may be cached: only tokens whose state changes by revocation-kind events alone, which
    /// every replica receives and evicts on. A refresh token or a code also stops being active when it is redeemed,
    /// and a redemption goes to one replica of the durable queues, not to every replica's cache.
    /// </summary>
    public static bool Holds(TokenFacts facts) => facts.Token.Kind is TokenKinds.AccessToken or TokenKinds.IdToken;

    public void Set(string referenceIdHash, TokenFacts facts, long generationBeforeRead)
    {
        if (!Enabled || !Holds(facts) || Generation != generationBeforeRead)
        {
            return;
        }

        var now = time.GetUtcNow();
        var expires = facts.Token.ExpiresAt is { } exp && exp < now + MaxAge ? exp : now + MaxAge;
        var options = new MemoryCacheEntryOptions { Size = 1, AbsoluteExpiration = expires };
        options.RegisterPostEvictionCallback((_, _, _, _) => hashById.TryRemove(new KeyValuePair<string, string>(facts.Token.Id, referenceIdHash)));
        hashById[facts.Token.Id] = referenceIdHash;
        cache.Set(referenceIdHash, facts, options);
        if (Generation != generationBeforeRead)
        {
            cache.Remove(referenceIdHash);
        }
    }

    public void EvictToken(string tokenId)
    {
        Interlocked.Increment(ref generation);
        if (hashById.TryRemove(tokenId, out var hash))
        {
            cache.Remove(hash);
        }
    }

    public void EvictAll()
    {
        Interlocked.Increment(ref generation);
        cache.Clear();
        hashById.Clear();
    }

    public void Dispose() => cache.Dispose();
}
