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
}

/// <summary>
/// A per-replica cache of documents read on the hot path (clients by client id, scopes by name), each entry
/// kept for at most <see cref="IdentityCacheOptions.LookupLifetime"/>. Only hits are cached (a client registered
/// a moment ago is found at once), every caller gets its own copy (OpenIddict's managers mutate what a store
/// returns), and a store that writes a document evicts it here.
/// </summary>
public sealed class ReadCache<TDocument>(IdentityCacheOptions options, Func<TDocument, TDocument> copy, TimeProvider? time = null)
    where TDocument : class
{
    private readonly TimeProvider time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, (TDocument Document, long Expires)> entries = new(StringComparer.Ordinal);
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

    public void Evict(string? key)
    {
        if (key is not null)
        {
            entries.TryRemove(key, out _);
        }
    }

    public void Clear() => entries.Clear();
}
