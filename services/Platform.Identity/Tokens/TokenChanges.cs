using Platform.Contracts.Events;
using static OpenIddict.Abstractions.OpenIddictConstants;

using Platform.Identity.Storage;

namespace Platform.Identity.Tokens;

/// <summary>
/// What happened to a token, as events: pure functions of the stored state and the state OpenIddict asks for.
/// </summary>
public static class TokenChanges
{
    public static TokenIssued Issue(Token token, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentException.ThrowIfNullOrEmpty(token.Id);

        return new TokenIssued(
            token.Id,
            TokenTypeKinds.ToKind(token.Type),
            token.ApplicationId,
            token.ClientId,
            token.AuthorizationId,
            token.Subject,
            token.Scopes,
            token.Audiences,
            token.CreationDate ?? now,
            token.ExpirationDate,
            token.ParentTokenId,
            token.ReferenceId,
            token.Status ?? Statuses.Valid)
        {
            Presenters = token.Presenters,
            Properties = token.Properties,
        };
    }

    /// <summary>The events that take <paramref name="stored"/> to <paramref name="updated"/>; none when nothing changed.</summary>
    /// <param name="stored">The token as the store holds it.</param>
    /// <param name="updated">The same token as OpenIddict changed it.</param>
    /// <param name="revocationReason">Recorded if the change revokes the token.</param>
    /// <param name="now">When the change commits.</param>
    /// <exception cref="InvalidOperationException">The change would move a revoked token to another status.</exception>
    public static IReadOnlyList<object> Decide(Token stored, Token updated, string revocationReason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(updated);
        ArgumentException.ThrowIfNullOrEmpty(stored.Id);

        var id = stored.Id;
        var events = new List<object>(capacity: 2);

        if (!SameDescription(stored, updated))
        {
            events.Add(new TokenUpdated(
                id,
                TokenTypeKinds.ToKind(updated.Type),
                updated.ApplicationId,
                updated.ClientId,
                updated.AuthorizationId,
                updated.Subject,
                updated.Scopes,
                updated.Audiences,
                updated.Presenters,
                updated.CreationDate,
                updated.ParentTokenId,
                now)
            {
                Properties = updated.Properties,
            });
        }

        if (!string.Equals(stored.ReferenceId, updated.ReferenceId, StringComparison.Ordinal))
        {
            events.Add(new TokenReferenceAttached(id, updated.ReferenceId, now));
        }

        if (stored.ExpirationDate != updated.ExpirationDate)
        {
            events.Add(new TokenExpirationChanged(id, updated.ExpirationDate, now));
        }

        if (StatusEvent(stored, updated, revocationReason, now) is { } statusEvent)
        {
            events.Add(statusEvent);
        }

        return events;
    }

    /// <summary>The events that revoke a token; none when it is revoked already (revoked is final).</summary>
    public static IReadOnlyList<object> Revoke(Token stored, string reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentException.ThrowIfNullOrEmpty(stored.Id);

        return IsRevoked(stored.Status) ? [] : [new TokenRevoked(stored.Id, reason, now)];
    }

    public static TokenPruned Prune(Token stored, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentException.ThrowIfNullOrEmpty(stored.Id);

        return new TokenPruned(stored.Id, now);
    }

    private static object? StatusEvent(Token stored, Token updated, string revocationReason, DateTimeOffset now)
    {
        if (string.Equals(stored.Status, updated.Status, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // The bus and the projection rely on it: a revoked token never becomes usable again, whatever arrives late.
        if (IsRevoked(stored.Status))
        {
            throw new InvalidOperationException(
                $"Token '{stored.Id}' is revoked and cannot become '{updated.Status}': revoked is final.");
        }

        return updated.Status switch
        {
            var status when string.Equals(status, Statuses.Redeemed, StringComparison.OrdinalIgnoreCase)
                => new TokenRedeemed(stored.Id!, updated.RedemptionDate ?? now),
            var status when IsRevoked(status)
                => new TokenRevoked(stored.Id!, revocationReason, now),
            _ => new TokenStatusChanged(stored.Id!, updated.Status ?? "", now),
        };
    }

    private static bool IsRevoked(string? status) =>
        string.Equals(status, Statuses.Revoked, StringComparison.OrdinalIgnoreCase);

    private static bool SameDescription(Token stored, Token updated) =>
        string.Equals(stored.ApplicationId, updated.ApplicationId, StringComparison.Ordinal)
        && string.Equals(stored.ClientId, updated.ClientId, StringComparison.Ordinal)
        && string.Equals(stored.AuthorizationId, updated.AuthorizationId, StringComparison.Ordinal)
        && string.Equals(stored.Subject, updated.Subject, StringComparison.Ordinal)
        && string.Equals(TokenTypeKinds.ToKind(stored.Type), TokenTypeKinds.ToKind(updated.Type), StringComparison.Ordinal)
        && stored.CreationDate == updated.CreationDate
        && string.Equals(stored.ParentTokenId, updated.ParentTokenId, StringComparison.Ordinal)
        && Same.Values(stored.Scopes, updated.Scopes)
        && Same.Values(stored.Audiences, updated.Audiences)
        && Same.Values(stored.Presenters, updated.Presenters)
        && Same.Properties(stored.Properties, updated.Properties);
}
