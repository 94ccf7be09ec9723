using Platform.Contracts.Events;

namespace Platform.Projection.ReadModel;

/// <summary>What introspection needs to know about one token, built from its events in any order.</summary>
public sealed record TokenView : IView
{
    public required string Id { get; init; }
    public TokenState State { get; init; } = TokenState.Unknown;
    public string? Kind { get; init; }
    public string? ReferenceIdHash { get; init; }
    public string? ApplicationId { get; init; }
    public string? ClientId { get; init; }
    public string? GrantId { get; init; }
    public string? Subject { get; init; }
    public IReadOnlyList<string> Scopes { get; init; } = [];
    public IReadOnlyList<string> Audiences { get; init; } = [];
    public DateTimeOffset? IssuedAt { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public string? RevocationReason { get; init; }

    /// <summary>The highest global sequence applied, for lag and audit; not used to order (state only moves forward).</summary>
    public long LastSequence { get; init; }
}

/// <summary>
/// Token states ordered by how final they are. Applying an event can only move a token to a later state,
/// so duplicates and late, out-of-order messages never resurrect it.
/// </summary>
public enum TokenState
{
    Unknown = 0,
    Inactive = 1,
    Valid = 2,
    Redeemed = 3,
    Rejected = 4,
    Revoked = 5,
    Pruned = 6,
}

/// <summary>The projection's rules for tokens: pure functions of the current view and one event.</summary>
public static class TokenEvolution
{
    public static TokenView Apply(TokenView? current, object @event, long sequence)
    {
        var view = @event switch
        {
            TokenIssued issued => Issued(current ?? new TokenView { Id = issued.TokenId }, issued),
            TokenRedeemed redeemed => MoveTo(current ?? new TokenView { Id = redeemed.TokenId }, TokenState.Redeemed),
            TokenRevoked revoked => Revoked(current ?? new TokenView { Id = revoked.TokenId }, revoked),
            TokenStatusChanged changed => MoveTo(current ?? new TokenView { Id = changed.TokenId }, FromStatus(changed.Status)),
            TokenReferenceAttached attached => (current ?? new TokenView { Id = attached.TokenId }) with
            {
                ReferenceIdHash = (current?.ReferenceIdHash) ?? attached.ReferenceIdHash,
            },
            TokenExpirationChanged changed => (current ?? new TokenView { Id = changed.TokenId }) with { ExpiresAt = changed.ExpiresAt },
            TokenPruned pruned => MoveTo(current ?? new TokenView { Id = pruned.TokenId }, TokenState.Pruned),
            _ => throw new ArgumentException($"{@event.GetType().Name} is not a token event.", nameof(@event)),
        };
        return view with { LastSequence = Math.Max(view.LastSequence, sequence) };
    }

    public static TokenState FromStatus(string status) => status switch
    {
        "valid" => TokenState.Valid,
        "inactive" => TokenState.Inactive,
        "redeemed" => TokenState.Redeemed,
        "rejected" => TokenState.Rejected,
        "revoked" => TokenState.Revoked,
        _ => TokenState.Unknown,
    };

    private static TokenView Issued(TokenView current, TokenIssued issued) => MoveTo(current with
    {
        Kind = issued.Kind,
        ReferenceIdHash = current.ReferenceIdHash ?? issued.ReferenceIdHash,
        ApplicationId = issued.ApplicationId,
        ClientId = issued.ClientId,
        GrantId = issued.GrantId,
        Subject = issued.Subject,
        Scopes = issued.Scopes,
        Audiences = issued.Audiences,
        IssuedAt = issued.IssuedAt,
        ExpiresAt = current.ExpiresAt ?? issued.ExpiresAt,
    }, FromStatus(issued.Status));

    /// <summary>
    /// The earliest revocation is the one recorded, whatever the order of arrival, and even when the token is already
    /// pruned (a prune applied before the revocation used to drop its time and reason: the rebuild's check found it).
    /// </summary>
    private static TokenView Revoked(TokenView current, TokenRevoked revoked) => MoveTo(
        current.RevokedAt is { } recorded && recorded <= revoked.RevokedAt
            ? current
            : current with { RevokedAt = revoked.RevokedAt, RevocationReason = revoked.Reason },
        TokenState.Revoked);

    private static TokenView MoveTo(TokenView current, TokenState state) =>
        state > current.State ? current with { State = state } : current;
}

/// <summary>When a token counts as active for introspection.</summary>
public static class TokenActivity
{
    public static bool IsActive(TokenView token, DateTimeOffset now) =>
        token.State == TokenState.Valid
        && token.Kind is TokenKinds.AccessToken or TokenKinds.RefreshToken
        && (token.ExpiresAt is null || token.ExpiresAt > now);

    /// <summary>
    /// The token itself and its cascades: a revoked or pruned grant, a disabled or deleted client, a disabled user
    /// (the subject of a user token) make it inactive. A view not known yet cascades nothing: what the bus has not
    /// delivered cannot be told apart from what does not exist, and the freshness check covers that gap.
    /// </summary>
    public static bool IsActive(TokenView token, ClientView? client, GrantView? grant, UserView? user, DateTimeOffset now) =>
        IsActive(token, now)
        && (client is null || (client.Enabled && !client.Deleted))
        && (grant is null || grant.State < GrantState.Revoked)
        && (user is null || user.Enabled);
}
