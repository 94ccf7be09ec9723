using System.Text.Json;
using Platform.Contracts;
using Platform.Contracts.Events;
using Platform.Projection.Audit;
using Xunit;

namespace Platform.Projection.Tests;

/// <summary>The point-in-time fold: what a token's events (and its grant's, client's and user's) say about one instant.</summary>
public sealed class AuditPointInTimeTests
{
    private static readonly DateTimeOffset Issue = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Expiry = Issue.AddMinutes(15);
    private long sequence;

    [Fact]
    public void Decide_AfterIssueBeforeExpiry_ActiveSinceIssue()
    {
        var status = PointInTime.Decide(History(token: [Issued()]), Issue.AddMinutes(1));

        Assert.Equal(new TokenStatusAt(true, null, null, Issue), status);
    }

    [Fact]
    public void Decide_BeforeIssue_NotIssuedYet()
    {
        var status = PointInTime.Decide(History(token: [Issued()]), Issue.AddSeconds(-1));

        Assert.Equal(new TokenStatusAt(false, PointInTime.Reasons.NotIssuedYet, null, null), status);
    }

    [Fact]
    public void Decide_AtOrAfterExpiry_ExpiredSinceExpiry()
    {
        Assert.Equal(new TokenStatusAt(false, PointInTime.Reasons.Expired, null, Expiry), PointInTime.Decide(History(token: [Issued()]), Expiry));
        Assert.Equal(new TokenStatusAt(false, PointInTime.Reasons.Expired, null, Expiry), PointInTime.Decide(History(token: [Issued()]), Expiry.AddDays(1)));
    }

    [Fact]
    public void Decide_ExpirationChangedBeforeT_UsesTheNewExpiry()
    {
        var changed = Recorded(new TokenExpirationChanged("t", Issue.AddMinutes(2), Issue.AddMinutes(1)), Issue.AddMinutes(1));

        var status = PointInTime.Decide(History(token: [Issued(), changed]), Issue.AddMinutes(3));

        Assert.Equal(new TokenStatusAt(false, PointInTime.Reasons.Expired, null, Issue.AddMinutes(2)), status);
    }

    [Fact]
    public void Decide_RevokedBeforeT_RevokedWithReason()
    {
        var revokedAt = Issue.AddMinutes(5);
        var history = History(token: [Issued(), Recorded(new TokenRevoked("t", RevocationReasons.RevocationRequest, revokedAt), revokedAt)]);

        Assert.Equal(new TokenStatusAt(true, null, null, Issue), PointInTime.Decide(history, revokedAt.AddTicks(-1)));
        Assert.Equal(new TokenStatusAt(false, PointInTime.Reasons.Revoked, RevocationReasons.RevocationRequest, revokedAt),
            PointInTime.Decide(history, revokedAt));
    }

    [Fact]
    public void Decide_RevokedThenExpired_TheFirstCauseInTimeWins()
    {
        var revokedAt = Issue.AddMinutes(5);
        var history = History(token: [Issued(), Recorded(new TokenRevoked("t", RevocationReasons.Admin, revokedAt), revokedAt)]);

        var status = PointInTime.Decide(history, Expiry.AddHours(1));

        Assert.Equal(new TokenStatusAt(false, PointInTime.Reasons.Revoked, RevocationReasons.Admin, revokedAt), status);
    }

    [Fact]
    public void Decide_RedeemedBeforeT_RedeemedSinceRedemption()
    {
        var redeemedAt = Issue.AddMinutes(1);
        var history = History(token: [Issued(), Recorded(new TokenRedeemed("t", redeemedAt), redeemedAt)]);

        Assert.Equal(new TokenStatusAt(false, PointInTime.Reasons.Redeemed, null, redeemedAt), PointInTime.Decide(history, Issue.AddMinutes(2)));
    }

    [Fact]
    public void Decide_GrantRevokedBeforeT_GrantRevoked()
    {
        var revokedAt = Issue.AddMinutes(3);
        var history = History(token: [Issued()], grant: [Recorded(new GrantRevoked("g", "admin", revokedAt), revokedAt)]);

        Assert.Equal(new TokenStatusAt(true, null, null, Issue), PointInTime.Decide(history, Issue.AddMinutes(2)));
        Assert.Equal(new TokenStatusAt(false, PointInTime.Reasons.GrantRevoked, null, revokedAt), PointInTime.Decide(history, Issue.AddMinutes(4)));
    }

    [Fact]
    public void Decide_ClientDisabledThenEnabledBeforeT_Active()
    {
        var client = new[]
        {
            Recorded(new ClientDisabled("app", "compromised", Issue.AddMinutes(1)), Issue.AddMinutes(1)),
            Recorded(new ClientEnabled("app", Issue.AddMinutes(2)), Issue.AddMinutes(2)),
        };
        var history = History(token: [Issued()], client: client);

        Assert.Equal(new TokenStatusAt(false, PointInTime.Reasons.ClientDisabled, null, Issue.AddMinutes(1)), PointInTime.Decide(history, Issue.AddSeconds(90)));
        Assert.Equal(new TokenStatusAt(true, null, null, Issue), PointInTime.Decide(history, Issue.AddMinutes(3)));
    }

    [Fact]
    public void Decide_UserDisabledBeforeT_UserDisabled()
    {
        var disabledAt = Issue.AddMinutes(4);
        var history = History(token: [Issued()], user: [Recorded(new UserDisabled("u", null, disabledAt), disabledAt)]);

        Assert.Equal(new TokenStatusAt(false, PointInTime.Reasons.UserDisabled, null, disabledAt), PointInTime.Decide(history, Issue.AddMinutes(5)));
    }

    [Fact]
    public void Decide_UnknownEventInStream_Ignored()
    {
        var unknown = new RecordedEvent(++sequence, "t", 9, "token_something_new", Issue.AddMinutes(1), null,
            JsonDocument.Parse("{}").RootElement, null, null);

        Assert.True(PointInTime.Decide(History(token: [Issued(), unknown]), Issue.AddMinutes(2)).Active);
    }

    [Theory]
    [InlineData("2026-03-01T12:00:00Z", true)]
    [InlineData("2026-03-01t12:00:00.123456+02:00", true)]
    [InlineData("2026-03-01 12:00:00-05:30", true)]
    [InlineData("2026-03-01T12:00:00", false)]
    [InlineData("2026-03-01", false)]
    [InlineData("yesterday", false)]
    [InlineData("2026-13-01T12:00:00Z", false)]
    [InlineData("", false)]
    public void TryParseRfc3339_Value_AcceptsOnlyFullDateTimeWithOffset(string value, bool accepted)
    {
        Assert.Equal(accepted, AuditEndpoints.TryParseRfc3339(value, out _));
    }

    private RecordedEvent Issued() => Recorded(new TokenIssued("t", TokenKinds.AccessToken, "app", "shop", "g", "u", ["api"], ["demo-api"],
        Issue, Expiry, null, "hash", "valid"), Issue);

    private RecordedEvent Recorded(object @event, DateTimeOffset time) =>
        new(++sequence, "stream", sequence, EventCatalogue.Of(@event.GetType()).StoredName, time, null,
            JsonSerializer.SerializeToElement(@event, @event.GetType()), null, @event);

    private static TokenHistory History(RecordedEvent[] token, RecordedEvent[]? grant = null, RecordedEvent[]? client = null, RecordedEvent[]? user = null) =>
        new(token, grant ?? [], client ?? [], user ?? []);
}
