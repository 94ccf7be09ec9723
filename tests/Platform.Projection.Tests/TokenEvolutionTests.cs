using Platform.Contracts.Events;
using Platform.Projection.ReadModel;
using Xunit;

namespace Platform.Projection.Tests;

public sealed class TokenEvolutionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static TokenIssued Issued(string id = "t1") => new(id, TokenKinds.AccessToken, "app1", "shop", null, "shop",
        ["api"], ["demo-api"], Now, Now.AddMinutes(15), null, "hash", "valid");

    public static TheoryData<int[]> Orders => new()
    {
        { [0, 1, 2] }, { [0, 2, 1] }, { [1, 0, 2] }, { [1, 2, 0] }, { [2, 0, 1] }, { [2, 1, 0] },
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void Apply_IssuedRedeemedRevokedInAnyOrder_EndsRevokedWithIssuanceData(int[] order)
    {
        object[] events = [Issued(), new TokenRedeemed("t1", Now.AddMinutes(1)), new TokenRevoked("t1", RevocationReasons.RefreshReplayed, Now.AddMinutes(2))];

        TokenView? view = null;
        foreach (var index in order)
        {
            view = TokenEvolution.Apply(view, events[index], sequence: index + 10);
        }

        Assert.Equal(TokenState.Revoked, view!.State);
        Assert.Equal("shop", view.ClientId);
        Assert.Equal("hash", view.ReferenceIdHash);
        Assert.Equal(RevocationReasons.RefreshReplayed, view.RevocationReason);
        Assert.Equal(12, view.LastSequence);
    }

    [Fact]
    public void Apply_DuplicateIssuedAfterRevoked_StaysRevoked()
    {
        var view = TokenEvolution.Apply(null, Issued(), 1);
        view = TokenEvolution.Apply(view, new TokenRevoked("t1", RevocationReasons.RevocationRequest, Now), 2);
        view = TokenEvolution.Apply(view, Issued(), 1);

        Assert.Equal(TokenState.Revoked, view.State);
        Assert.False(TokenActivity.IsActive(view, Now));
    }

    [Fact]
    public void Apply_SecondRevocation_KeepsFirstReasonAndTime()
    {
        var view = TokenEvolution.Apply(null, new TokenRevoked("t1", RevocationReasons.RevocationRequest, Now), 2);
        view = TokenEvolution.Apply(view, new TokenRevoked("t1", RevocationReasons.Admin, Now.AddHours(1)), 3);

        Assert.Equal(RevocationReasons.RevocationRequest, view.RevocationReason);
        Assert.Equal(Now, view.RevokedAt);
    }

    [Fact]
    public void Apply_PrunedThenLateIssued_NeverActive()
    {
        var view = TokenEvolution.Apply(null, new TokenPruned("t1", Now), 5);
        view = TokenEvolution.Apply(view, Issued(), 1);

        Assert.Equal(TokenState.Pruned, view.State);
        Assert.False(TokenActivity.IsActive(view, Now));
    }

    [Fact]
    public void IsActive_ValidAccessTokenBeforeExpiry_True() =>
        Assert.True(TokenActivity.IsActive(TokenEvolution.Apply(null, Issued(), 1), Now.AddMinutes(14)));

    [Fact]
    public void IsActive_ValidAccessTokenAtExpiry_False() =>
        Assert.False(TokenActivity.IsActive(TokenEvolution.Apply(null, Issued(), 1), Now.AddMinutes(15)));

    [Fact]
    public void IsActive_AuthorizationCode_False() =>
        Assert.False(TokenActivity.IsActive(TokenEvolution.Apply(null, Issued() with { Kind = TokenKinds.AuthorizationCode }, 1), Now));

    [Fact]
    public void IsActive_RevokedBeforeIssuedArrives_False()
    {
        var view = TokenEvolution.Apply(null, new TokenRevoked("t1", RevocationReasons.RevocationRequest, Now), 2);
        Assert.False(TokenActivity.IsActive(TokenEvolution.Apply(view, Issued(), 1), Now));
    }
}
