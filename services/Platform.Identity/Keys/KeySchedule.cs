namespace Platform.Identity.Keys;

/// <summary>When keys are made, used and dropped (settings under <c>Platform:Keys</c>).</summary>
public sealed record KeyRotationPolicy
{
    public const string Section = "Platform:Keys";

    /// <summary>How long a key signs (or encrypts) before the next one takes over.</summary>
    public TimeSpan RotationInterval { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long before it takes over the next key is published in the JWKS, so that caches have it first.</summary>
    public TimeSpan PublishAhead { get; init; } = TimeSpan.FromDays(2);

    /// <summary>How long a key stays published (and able to decrypt) after its successor took over: the longest token life.</summary>
    public TimeSpan RetainAfterRotation { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How often each service looks at the schedule.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>A key as stored: its material is a secret and never leaves the keys table but for the services.</summary>
public sealed record StoredKey(string Id, string Use, byte[] Material, DateTimeOffset ActivatesAt);

/// <summary>What the schedule asks for: keys to make (with when they take over) and keys to drop.</summary>
public sealed record KeyPlan(IReadOnlyList<DateTimeOffset> Create, IReadOnlyList<string> Delete);

/// <summary>The rotation rules, as a pure function of the stored keys of one use and the time.</summary>
public static class KeySchedule
{
    public static KeyPlan Decide(IReadOnlyList<StoredKey> keys, DateTimeOffset now, KeyRotationPolicy policy)
    {
        var create = new List<DateTimeOffset>();
        var delete = new List<string>();
        var ordered = keys.OrderBy(key => key.ActivatesAt).ToList();

        // A key is dropped once its successor has been in use longer than the longest token lives.
        for (var i = 0; i < ordered.Count - 1; i++)
        {
            if (ordered[i + 1].ActivatesAt + policy.RetainAfterRotation <= now)
            {
                delete.Add(ordered[i].Id);
            }
        }

        var active = Active(ordered, now);
        if (active is null)
        {
            create.Add(now);
            active = new StoredKey(string.Empty, string.Empty, [], now);
        }

        var latest = ordered.Count > 0 && ordered[^1].ActivatesAt > active.ActivatesAt ? ordered[^1] : active;
        var due = active.ActivatesAt + policy.RotationInterval;
        if (latest == active && due - policy.PublishAhead <= now)
        {
            // The next key takes over no sooner than PublishAhead from now, so it is seen before it is used.
            create.Add(due > now + policy.PublishAhead ? due : now + policy.PublishAhead);
        }

        return new KeyPlan(create, delete);
    }

    /// <summary>
    /// The key in use now: the newest that has taken over. The very first key is in use from the start even if
    /// its time is a moment ahead of this service's clock (replicas' clocks differ by a little; without a
    /// predecessor there is nothing else to sign with).
    /// </summary>
    public static StoredKey? Active(IEnumerable<StoredKey> keys, DateTimeOffset now) =>
        keys.Where(key => key.ActivatesAt <= now).MaxBy(key => key.ActivatesAt) ?? keys.MinBy(key => key.ActivatesAt);
}
