using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Platform.ResourceServer.Introspection;

namespace Platform.ResourceServer;

/// <summary>
/// The introspection answers this API reuses, keyed by a SHA-256 hash of the token (never the token itself). An
/// answer is reused until the token's <c>exp</c> or the cache's maximum age, whichever comes first; after its
/// <c>exp</c> the entry stays a little longer so the API can tell the client the token expired. Revocation
/// messages (see the <c>Platform.ResourceServer.Revocations</c> package) call <see cref="Revoke"/> or
/// <see cref="Clear"/> so that a revoked token is refused at once.
/// </summary>
public sealed class IntrospectionCache
{
    // How long an expired or revoked token is remembered, to say "expired" or "revoked" rather than "not active".
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> keysByTokenId = new(StringComparer.Ordinal);
    private readonly TimeProvider time;
    private long revision;
    private volatile bool suspended;

    /// <summary>Creates an empty cache.</summary>
    /// <param name="time">The clock entries are aged by.</param>
    public IntrospectionCache(TimeProvider time) => this.time = time;

    /// <summary>How many tokens the cache holds.</summary>
    public int Count => entries.Count;

    /// <summary>
    /// Marks the token with this <c>jti</c> as revoked, if cached: the next request with it gets <c>401</c>
    /// ("revoked") without asking the authorization server.
    /// </summary>
    /// <param name="tokenId">The token's identifier (<c>jti</c> in the introspection answer; Platform's token stream id).</param>
    public void Revoke(string tokenId)
    {
        ArgumentNullException.ThrowIfNull(tokenId);
        Interlocked.Increment(ref revision);
        if (keysByTokenId.TryGetValue(tokenId, out var key) && entries.TryGetValue(key, out var entry))
        {
            entries[key] = entry with { Verdict = TokenVerdict.Revoked, FreshUntil = DateTimeOffset.MaxValue, ForgetAfter = time.GetUtcNow() + Remembered };
        }
    }

    /// <summary>Forgets every answer (for example when a grant, a client or a user was revoked or disabled).</summary>
    public void Clear()
    {
        Interlocked.Increment(ref revision);
        entries.Clear();
        keysByTokenId.Clear();
    }

    /// <summary>Whether answers are reused now (see <see cref="Suspend"/>).</summary>
    public bool IsSuspended => suspended;

    /// <summary>
    /// Forgets every answer and reuses none until <see cref="Resume"/>: for a feed of revocation messages that lost
    /// its connection, so that a revocation it misses cannot leave a revoked token accepted from the cache.
    /// </summary>
    public void Suspend()
    {
        suspended = true;
        Clear();
    }

    /// <summary>Reuses answers again (the revocation feed is back).</summary>
    public void Resume() => suspended = false;

    /// <summary>The hash a token is cached under.</summary>
    internal static string KeyOf(string scheme, string token) =>
        scheme + ":" + Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>
    /// A verdict still good to reuse, or null. A token whose remembered <c>exp</c> passed is rejected as expired.
    /// </summary>
    internal TokenVerdict? Find(string key)
    {
        if (suspended || !entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (now >= entry.ForgetAfter)
        {
            Remove(key, entry);
            return null;
        }

        if (entry.Verdict is TokenVerdict.Accepted { ExpiresAt: { } expiresAt } && now >= expiresAt)
        {
            return TokenVerdict.Expired(expiresAt);
        }

        return now < entry.FreshUntil ? entry.Verdict : null;
    }

    /// <summary>The cache's revision: an answer obtained before a revocation message must not be stored after it.</summary>
    internal long Revision => Interlocked.Read(ref revision);

    /// <summary>Keeps an accepted verdict for at most <paramref name="maxAge"/>, and never past the token's expiry.</summary>
    internal void Store(string key, TokenVerdict.Accepted verdict, TimeSpan maxAge, int capacity, long revisionBefore)
    {
        if (suspended || maxAge <= TimeSpan.Zero || capacity <= 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var freshUntil = now + maxAge;
        if (verdict.ExpiresAt is { } expiresAt && expiresAt < freshUntil)
        {
            freshUntil = expiresAt;
        }

        if (entries.Count >= capacity && !Sweep(now, capacity))
        {
            return;
        }

        var forgetAfter = (verdict.ExpiresAt is { } exp && exp <= freshUntil ? exp : freshUntil) + Remembered;
        entries[key] = new Entry(verdict, verdict.TokenId, freshUntil, forgetAfter);
        if (verdict.TokenId is { } tokenId)
        {
            keysByTokenId[tokenId] = key;
        }

        // A revocation message that arrived while this answer was on its way may concern this very token.
        if (Revision != revisionBefore)
        {
            Remove(key, entries.TryGetValue(key, out var stored) ? stored : null);
        }
    }

    private bool Sweep(DateTimeOffset now, int capacity)
    {
        foreach (var (key, entry) in entries)
        {
            // Past its freshness an entry is only worth keeping to say "expired" or "revoked".
            var useful = now < entry.ForgetAfter
                && (now < entry.FreshUntil || entry.Verdict is TokenVerdict.Accepted { ExpiresAt: { } exp } && exp <= now);
            if (!useful)
            {
                Remove(key, entry);
            }
        }

        return entries.Count < capacity;
    }

    private void Remove(string key, Entry? entry)
    {
        if (entry is null || !entries.TryRemove(new KeyValuePair<string, Entry>(key, entry)))
        {
            return;
        }

        if (entry.TokenId is { } tokenId)
        {
            keysByTokenId.TryRemove(new KeyValuePair<string, string>(tokenId, key));
        }
    }

    private sealed record Entry(TokenVerdict Verdict, string? TokenId, DateTimeOffset FreshUntil, DateTimeOffset ForgetAfter);
}
