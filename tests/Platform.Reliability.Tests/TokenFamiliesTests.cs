using Platform.Contracts.Events;
using Xunit;

namespace Platform.Reliability.Tests;

/// <summary>
/// The token family invariant on histories written by hand: a healthy family passes, and each way rotation or reuse
/// detection can break is reported. No cluster: these run in a blink.
/// </summary>
public sealed class TokenFamiliesTests
{
    private static readonly TimeSpan Leeway = TimeSpan.FromSeconds(1);
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    /// <summary>
    /// A code redeemed for an access and a refresh token, the refresh token rotated twice, the last one revoked, then
    /// the first one replayed: every token revoked by the cascade. As OpenIddict appends it: a successor is issued
    /// before the token it replaces is marked redeemed, within the same request.
    /// </summary>
    private static List<TokenHistory> HealthyFamily() =>
    [
        Token("code", TokenKinds.AuthorizationCode, parent: null, issued: 1, redeemedAt: 3),
        Token("at1", TokenKinds.AccessToken, "code", issued: 2, revoked: 20, reason: RevocationReasons.RefreshReplayed),
        Token("rt1", TokenKinds.RefreshToken, "code", issued: 3, redeemedAt: 6, revoked: 23, reason: RevocationReasons.RefreshReplayed),
        Token("at2", TokenKinds.AccessToken, "rt1", issued: 5, revoked: 21, reason: RevocationReasons.RefreshReplayed),
        Token("rt2", TokenKinds.RefreshToken, "rt1", issued: 6, redeemedAt: 9, revoked: 24, reason: RevocationReasons.RefreshReplayed),
        Token("at3", TokenKinds.AccessToken, "rt2", issued: 8, revoked: 22, reason: RevocationReasons.RefreshReplayed),
        Token("rt3", TokenKinds.RefreshToken, "rt2", issued: 9, revoked: 12, reason: RevocationReasons.RevocationRequest),
    ];

    [Fact]
    public void Check_HealthyFamily_NoViolation()
    {
        var verdict = TokenFamilies.Check(HealthyFamily(), new Dictionary<string, long>(), None, None, Leeway);

        Assert.Empty(verdict.Violations);
        Assert.Equal((1, 2, 1), (verdict.Families, verdict.Rotations, verdict.RevokedFamilies));
    }

    [Fact]
    public void Check_RefreshTokenUsedWithoutBeingRedeemed_RotationBroke()
    {
        // The token endpoint issued from rt2 but never marked it redeemed: rt2 stays usable beside rt3.
        var family = HealthyFamily()
            .Where(token => token.Kind != TokenKinds.AccessToken)
            .Select(token => token.Id is "rt2" or "rt3" ? token with { RedeemedAt = null, EndedSequence = null, RevokedSequence = null, RevocationReason = null } : token)
            .ToList();

        var verdict = TokenFamilies.Check(family, new Dictionary<string, long>(), new HashSet<string> { "rt2", "rt3" }, None, Leeway);

        Assert.Contains(verdict.Violations, violation => violation.Contains("never redeemed", StringComparison.Ordinal));
        Assert.Contains(verdict.Violations, violation => violation.Contains("has 2 active refresh tokens in the writers' documents", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_RefreshTokenStillValidWhenAGrandchildWasIssued_Reported()
    {
        // rt1 marked redeemed only after rt3 was issued: for a while two refresh tokens of the family were usable.
        var family = HealthyFamily().Select(token => token.Id == "rt1" ? token with { EndedSequence = 10 } : token).ToList();

        var verdict = TokenFamilies.Check(family, new Dictionary<string, long>(), None, None, Leeway);

        Assert.Contains(verdict.Violations, violation => violation.Contains("was issued while refresh_token rt1", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_RefreshTokenRedeemedTwicePastTheLeeway_TwoSuccessorsReported()
    {
        var family = HealthyFamily();
        family.Add(Token("rt2b", TokenKinds.RefreshToken, "rt1", issued: 11, at: T0.AddSeconds(8)));

        var verdict = TokenFamilies.Check(family, new Dictionary<string, long>(), new HashSet<string> { "rt2b" }, None, Leeway);

        Assert.Contains(verdict.Violations, violation => violation.Contains("produced 2 tokens of kind refresh_token", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_RefreshTokenPresentedAgainWithinTheLeeway_Allowed()
    {
        var family = HealthyFamily();
        // A lost answer retried 0.5 s after rt1's redemption: OpenIddict issues a second rt2, which may be used too.
        family.Add(Token("rt2b", TokenKinds.RefreshToken, "rt1", issued: 7, at: T0.AddSeconds(6.5)));

        var verdict = TokenFamilies.Check(family, new Dictionary<string, long>(), None, None, Leeway);

        Assert.Empty(verdict.Violations);
    }

    [Fact]
    public void Check_ReplayedFamilyWithAnActiveToken_Reported()
    {
        // Only rt1 carries the replay's reason (revoked at 23, long after its redemption at 6); at3 escaped the cascade.
        var family = HealthyFamily()
            .Select(token => token.Id == "rt1" ? token : token with { RevokedSequence = null, RevocationReason = null, EndedSequence = token.RedeemedAt is null ? null : token.EndedSequence })
            .ToList();

        var verdict = TokenFamilies.Check(family, new Dictionary<string, long>(), None, new HashSet<string> { "at3" }, Leeway);

        Assert.Contains(verdict.Violations, violation => violation.Contains("access_token at3… of a revoked family is active in the read model", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_RevokedGrantWithAnActiveToken_Reported()
    {
        var family = HealthyFamily().Select(token => token with { GrantId = "grant-1", RevokedSequence = null, RevocationReason = null }).ToList();

        var verdict = TokenFamilies.Check(family, new Dictionary<string, long> { ["grant-1"] = 15 }, new HashSet<string> { "at2" }, None, Leeway);

        Assert.Contains(verdict.Violations, violation => violation.Contains("of a revoked family is active in the writers' documents", StringComparison.Ordinal));
    }

    private static TokenHistory Token(
        string id, string kind, string? parent, long issued, long? redeemedAt = null, long? revoked = null, string? reason = null, DateTimeOffset? at = null) =>
        new(id, kind, parent, GrantId: null, issued, at ?? T0.AddSeconds(issued), redeemedAt is { } r ? T0.AddSeconds(r) : null,
            EndedSequence: redeemedAt ?? revoked, RevokedSequence: revoked, RevocationReason: reason);
}
