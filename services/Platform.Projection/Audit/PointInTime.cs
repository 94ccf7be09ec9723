using Platform.Contracts.Events;

namespace Platform.Projection.Audit;

/// <summary>The events that decide whether a token was active: its own, and those of its grant, client and user.</summary>
public sealed record TokenHistory(
    IReadOnlyList<RecordedEvent> Token,
    IReadOnlyList<RecordedEvent> Grant,
    IReadOnlyList<RecordedEvent> Client,
    IReadOnlyList<RecordedEvent> User);

/// <summary>
/// Whether a token was active at a time, and if not, why and since when. <c>Reason</c> is one of
/// <see cref="PointInTime.Reasons"/>; <c>RevocationReason</c> is the token's own revocation reason.
/// </summary>
public sealed record TokenStatusAt(bool Active, string? Reason, string? RevocationReason, DateTimeOffset? Since);

/// <summary>
/// "Was this token active at T, and if not, why": a pure fold of the events recorded at or before T (the
/// store's append time decides what had happened by then; the expiry is the one the events set). When
/// several things made the token inactive, the first one in time is the answer: that is when it stopped.
/// </summary>
public static class PointInTime
{
    public static class Reasons
    {
        public const string NotIssuedYet = "not_issued_yet";
        public const string Expired = "expired";
        public const string Redeemed = "redeemed";
        public const string Revoked = "revoked";
        public const string GrantRevoked = "grant_revoked";
        public const string ClientDisabled = "client_disabled";
        public const string UserDisabled = "user_disabled";
    }

    // Ties (the same instant) go to the token's own events first, then the cascades.
    private static readonly string[] Precedence =
        [Reasons.Revoked, Reasons.Redeemed, Reasons.Expired, Reasons.GrantRevoked, Reasons.ClientDisabled, Reasons.UserDisabled];

    public static TokenStatusAt Decide(TokenHistory history, DateTimeOffset at)
    {
        var token = Upto(history.Token, at);
        var issued = token.FirstOrDefault(e => e.Event is TokenIssued);
        if (issued is null)
        {
            return new TokenStatusAt(false, Reasons.NotIssuedYet, null, null);
        }

        var causes = new List<(string Reason, string? RevocationReason, DateTimeOffset Since)>();
        DateTimeOffset? expiresAt = ((TokenIssued)issued.Event!).ExpiresAt;
        foreach (var recorded in token)
        {
            switch (recorded.Event)
            {
                case TokenExpirationChanged changed:
                    expiresAt = changed.ExpiresAt;
                    break;
                case TokenRedeemed:
                    causes.Add((Reasons.Redeemed, null, recorded.Time));
                    break;
                case TokenRevoked revoked:
                    causes.Add((Reasons.Revoked, revoked.Reason, recorded.Time));
                    break;
                case TokenStatusChanged { Status: "redeemed" }:
                    causes.Add((Reasons.Redeemed, null, recorded.Time));
                    break;
                case TokenStatusChanged { Status: "revoked" or "rejected" or "inactive" } changed:
                    causes.Add((Reasons.Revoked, changed.Status == "revoked" ? null : changed.Status, recorded.Time));
                    break;
                case TokenPruned:
                    causes.Add((Reasons.Revoked, "pruned", recorded.Time));
                    break;
            }
        }

        if (expiresAt is { } expiry && expiry <= at)
        {
            causes.Add((Reasons.Expired, null, expiry));
        }

        if (Upto(history.Grant, at).FirstOrDefault(e => e.Event is GrantRevoked) is { } grantRevoked)
        {
            causes.Add((Reasons.GrantRevoked, null, grantRevoked.Time));
        }

        // A client or user can be disabled and enabled again: only the last change before T counts.
        if (Upto(history.Client, at).LastOrDefault(e => e.Event is ClientDisabled or ClientEnabled or ClientDeleted) is
            { Event: ClientDisabled or ClientDeleted } clientOff)
        {
            causes.Add((Reasons.ClientDisabled, null, clientOff.Time));
        }

        if (Upto(history.User, at).LastOrDefault(e => e.Event is UserDisabled or UserEnabled) is { Event: UserDisabled } userOff)
        {
            causes.Add((Reasons.UserDisabled, null, userOff.Time));
        }

        if (causes.Count == 0)
        {
            return new TokenStatusAt(true, null, null, issued.Time);
        }

        var first = causes.OrderBy(c => c.Since).ThenBy(c => Array.IndexOf(Precedence, c.Reason)).ThenBy(c => c.RevocationReason is null).First();
        return new TokenStatusAt(false, first.Reason, first.RevocationReason, first.Since);
    }

    private static IEnumerable<RecordedEvent> Upto(IReadOnlyList<RecordedEvent> events, DateTimeOffset at) =>
        events.Where(e => e.Time <= at).OrderBy(e => e.Sequence);
}
