using Platform.Contracts.Events;
using static OpenIddict.Abstractions.OpenIddictConstants;

using Platform.Identity.Storage;

namespace Platform.Identity.Grants;

/// <summary>What happened to a grant, as events: pure functions of the stored state and the state OpenIddict asks for.</summary>
public static class GrantChanges
{
    /// <summary>The events that start a grant's stream: approved, then whatever status it was created with.</summary>
    public static IReadOnlyList<object> Approve(Grant grant, string revocationReason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(grant);
        ArgumentException.ThrowIfNullOrEmpty(grant.Id);

        var approved = new GrantApproved(grant.Id, grant.ApplicationId, grant.Subject, grant.Type, grant.Scopes, grant.CreationDate ?? now)
        {
            Properties = grant.Properties,
        };
        var asApproved = new Grant
        {
            Id = grant.Id,
            ApplicationId = grant.ApplicationId,
            Subject = grant.Subject,
            Type = grant.Type,
            Status = Statuses.Valid,
            Scopes = grant.Scopes,
            CreationDate = approved.ApprovedAt,
            Properties = grant.Properties,
        };

        return [approved, .. Decide(asApproved, grant, revocationReason, now)];
    }

    /// <summary>The events that take <paramref name="stored"/> to <paramref name="updated"/>; none when nothing changed.</summary>
    /// <exception cref="InvalidOperationException">The change would move a revoked grant to another status.</exception>
    public static IReadOnlyList<object> Decide(Grant stored, Grant updated, string revocationReason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(updated);
        ArgumentException.ThrowIfNullOrEmpty(stored.Id);

        var revoking = IsRevoked(updated.Status) && !IsRevoked(stored.Status);
        if (IsRevoked(stored.Status) && !IsRevoked(updated.Status))
        {
            throw new InvalidOperationException(
                $"Grant '{stored.Id}' is revoked and cannot become '{updated.Status}': revoked is final.");
        }

        // A revocation is its own event; every other change travels whole in GrantUpdated.
        var status = IsRevoked(updated.Status) ? stored.Status : updated.Status;
        var events = new List<object>(capacity: 2);
        if (!SameDetails(stored, updated, status))
        {
            events.Add(new GrantUpdated(stored.Id, updated.ApplicationId, updated.Subject, updated.Type, status, updated.Scopes, now)
            {
                Properties = updated.Properties,
            });
        }

        if (revoking)
        {
            events.Add(new GrantRevoked(stored.Id, revocationReason, now));
        }

        return events;
    }

    /// <summary>The events that revoke a grant; none when it is revoked already (revoked is final).</summary>
    public static IReadOnlyList<object> Revoke(Grant stored, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentException.ThrowIfNullOrEmpty(stored.Id);

        return IsRevoked(stored.Status) ? [] : [new GrantRevoked(stored.Id, reason, now)];
    }

    public static GrantPruned Prune(Grant stored, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentException.ThrowIfNullOrEmpty(stored.Id);

        return new GrantPruned(stored.Id, now);
    }

    private static bool IsRevoked(string? status) =>
        string.Equals(status, Statuses.Revoked, StringComparison.OrdinalIgnoreCase);

    private static bool SameDetails(Grant stored, Grant updated, string? status) =>
        string.Equals(stored.ApplicationId, updated.ApplicationId, StringComparison.Ordinal)
        && string.Equals(stored.Subject, updated.Subject, StringComparison.Ordinal)
        && string.Equals(stored.Type, updated.Type, StringComparison.Ordinal)
        && string.Equals(stored.Status, status, StringComparison.Ordinal)
        && Same.Values(stored.Scopes, updated.Scopes)
        && Same.Properties(stored.Properties, updated.Properties);
}
