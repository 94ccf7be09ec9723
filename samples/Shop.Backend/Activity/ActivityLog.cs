using System.Collections.Concurrent;

namespace Shop.Backend.Activity;

/// <summary>One thing the shop did or saw, in words: what a person reading the shop's pages (or the demo) wants to know.</summary>
/// <param name="Kind">sign-in, api, refresh, permission, sign-in-required, revoke or stock-sync.</param>
public sealed record ActivityEntry(DateTimeOffset Time, string Kind, string Text);

/// <summary>
/// What happened in each session (and in the stock sync), newest last, kept in memory and bounded. It holds
/// no token: only what was called, what the API answered and what the shop did about it.
/// </summary>
public sealed class ActivityLog(TimeProvider clock)
{
    public const string StockSync = "stock-sync";

    private const int Kept = 200;

    private readonly ConcurrentDictionary<string, List<ActivityEntry>> sessions = new();

    public ActivityEntry Add(string session, string kind, string text)
    {
        var entry = new ActivityEntry(clock.GetUtcNow(), kind, text);
        var entries = sessions.GetOrAdd(session, _ => []);
        lock (entries)
        {
            entries.Add(entry);
            if (entries.Count > Kept)
            {
                entries.RemoveAt(0);
            }
        }

        return entry;
    }

    public IReadOnlyList<ActivityEntry> Of(string session)
    {
        if (!sessions.TryGetValue(session, out var entries))
        {
            return [];
        }

        lock (entries)
        {
            return [.. entries];
        }
    }
}
