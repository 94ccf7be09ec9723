using System.Collections.Concurrent;

namespace Platform.Identity.Storage;

/// <summary>Settings of the per-replica read caches (section <c>Platform:Identity</c>).</summary>
public sealed record IdentityCacheOptions
{
    public const string Section = "Platform:Identity";

    /// <summary>
    /// How long a replica answers client and scope lookups (by client id, by scope name) from memory. This is
    /// the longest a disabled client, a rotated secret or a changed scope can keep working on a replica that did
    /// not make the change itself (the replica that writes the change evicts at once). Zero turns caching off.
    /// </summary>
    public TimeSpan LookupLifetime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many look-ups that found nothing a replica remembers at once (each for at most <see cref="LookupLifetime"/>),
    /// so that a flood of made-up client ids cannot grow its memory without bound.
    /// </summary>
    public int MaxMisses { get; init; } = 10_000;
}

/// <summary>
/// A per-replica cache of documents read on the hot path (clients by client id, scopes by name), each entry
/// kept for at most <see cref="IdentityCacheOptions.LookupLifetime"/>. Every caller gets its own copy (OpenIddict's
/// managers mutate what a store returns), and a store that writes a document evicts it here. A store may also
/// remember a look-up that found nothing (<see cref="SetMissing"/>), for the same lifetime and at most
/// <see cref="IdentityCacheOptions.MaxMisses"/> of them: a key written on this replica is found at once (the write
/// evicts the miss), one written on another replica within the lifetime, as a change to a cached document is.
/// </summary>
public sealed class ReadCache<TDocument>(IdentityCacheOptions options, Func<TDocument, TDocument> copy, TimeProvider? time = null)
    where TDocument : class
{
    private readonly TimeProvider time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, (TDocument Document, long Expires)> entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> misses = new(StringComparer.Ordinal);
    private readonly int maxMisses = options.MaxMisses;
    private long pruneNotBefore;
    private readonly long lifetimeTicks = (long)(options.LookupLifetime.TotalSeconds * (time ?? TimeProvider.System).TimestampFrequency);

    public bool Enabled => lifetimeTicks > 0;

    /// <summary>The moment a read starts, to pass to <see cref="Set"/>.</summary>
    public long Now() => time.GetTimestamp();

    /// <summary>A copy of the cached document for <paramref name="key"/>, if one is cached and still fresh.</summary>
    public bool TryGet(string key, out TDocument document)
    {
        if (Enabled && entries.TryGetValue(key, out var entry))
        {
            if (time.GetTimestamp() < entry.Expires)
            {
                document = copy(entry.Document);
                return true;
            }

            entries.TryRemove(KeyValuePair.Create(key, entry));
        }

        document = null!;
        return false;
    }

    /// <summary>Caches a copy of <paramref name="document"/>, read from the store at or after <paramref name="readStarted"/>.</summary>
    public void Set(string key, TDocument document, long readStarted)
    {
        // The entry expires relative to when the read began, not when it ended: a slow read does not stretch the bound.
        if (Enabled && time.GetTimestamp() - readStarted < lifetimeTicks)
        {
            entries[key] = (copy(document), readStarted + lifetimeTicks);
        }
    }

    /// <summary>Whether a look-up of <paramref name="key"/> found nothing within the lifetime (and nothing was written since on this replica).</summary>
    public bool IsMissing(string key)
    {
        if (Enabled && misses.TryGetValue(key, out var expires))
        {
            if (time.GetTimestamp() < expires)
            {
                return true;
            }

            misses.TryRemove(KeyValuePair.Create(key, expires));
        }

        return false;
    }

    /// <summary>Remembers that a read of <paramref name="key"/>, started at <paramref name="readStarted"/>, found nothing.</summary>
    public void SetMissing(string key, long readStarted)
    {
        var now = time.GetTimestamp();
        if (!Enabled || now - readStarted >= lifetimeTicks)
        {
            return;
        }

        if (misses.Count >= maxMisses)
        {
            // A scan of the full table at most five times a lifetime, not on every miss of a flood.
            if (now < Volatile.Read(ref pruneNotBefore))
            {
                return;
            }

            Volatile.Write(ref pruneNotBefore, now + (lifetimeTicks / 5));
            foreach (var (stale, expires) in misses)
            {
                if (expires <= now)
                {
                    misses.TryRemove(KeyValuePair.Create(stale, expires));
                }
            }

            if (misses.Count >= maxMisses)
            {
                // Full of fresh misses (a flood of made-up keys): this one goes to the store again next time.
                return;
            }
        }

        misses[key] = readStarted + lifetimeTicks;
    }

    /// <summary>How many misses are remembered now (expired ones included until pruned).</summary>
    public int MissCount => misses.Count;

    public void Evict(string? key)
    {
        if (key is not null)
        {
            entries.TryRemove(key, out _);
            misses.TryRemove(key, out _);
        }
    }

    public void Clear()
    {
        entries.Clear();
        misses.Clear();
    }
}
