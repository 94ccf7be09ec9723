using Platform.Contracts.Events;
using Platform.Projection.ReadModel;
using Xunit;

namespace Platform.Projection.Tests;

/// <summary>Grants and users evolve in any order, and their state cascades to the tokens issued under them.</summary>
public sealed class CascadeEvolutionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static readonly TokenView UserToken = new()
    {
        Id = "t1", State = TokenState.Valid, Kind = TokenKinds.AccessToken, ApplicationId = "app1", ClientId = "shop",
        GrantId = "g1", Subject = "u1", ExpiresAt = Now.AddMinutes(15),
    };

    private static GrantApproved Approved => new("g1", "app1", "u1", "permanent", ["openid"], Now);

    [Fact]
    public void GrantApply_RevokedBeforeApproved_StaysRevoked()
    {
        var view = GrantEvolution.Apply(null, new GrantRevoked("g1", RevocationReasons.Admin, Now), streamVersion: 2, sequence: 20);
        view = GrantEvolution.Apply(view, Approved, streamVersion: 1, sequence: 10);

        Assert.Equal(GrantState.Revoked, view.State);
        Assert.Equal("u1", view.Subject);
        Assert.Equal(20, view.LastSequence);
    }

    [Fact]
    public void GrantApply_ApprovedTwiceAfterRevocation_StaysRevoked()
    {
        var view = GrantEvolution.Apply(null, Approved, 1, 10);
        view = GrantEvolution.Apply(view, new GrantRevoked("g1", RevocationReasons.Admin, Now), 2, 20);
        view = GrantEvolution.Apply(view, Approved, 1, 10);

        Assert.Equal(GrantState.Revoked, view.State);
    }

    [Fact]
    public void GrantApply_PrunedThenLateRevoked_StaysPruned()
    {
        var view = GrantEvolution.Apply(null, new GrantPruned("g1", Now), 3, 30);
        view = GrantEvolution.Apply(view, new GrantRevoked("g1", RevocationReasons.Admin, Now), 2, 20);

        Assert.Equal(GrantState.Pruned, view.State);
    }

    [Fact]
    public void GrantApply_UpdatedWithRevokedStatus_Revoked()
    {
        var view = GrantEvolution.Apply(null, Approved, 1, 10);
        view = GrantEvolution.Apply(view, new GrantUpdated("g1", "app1", "u1", "permanent", "revoked", ["openid"], Now), 2, 20);

        Assert.Equal(GrantState.Revoked, view.State);
    }

    [Fact]
    public void UserApply_DisabledThenLateEnabledFromEarlierVersion_StaysDisabled()
    {
        var view = UserEvolution.Apply(null, new UserDisabled("u1", "left", Now), streamVersion: 5, sequence: 50);
        view = UserEvolution.Apply(view, new UserEnabled("u1", Now), streamVersion: 3, sequence: 30);
        view = UserEvolution.Apply(view, new UserRegistered("u1", "alice", null, Now), streamVersion: 1, sequence: 10);

        Assert.False(view.Enabled);
        Assert.Equal("alice", view.UserName);
        Assert.Equal(50, view.LastSequence);
    }

    [Fact]
    public void UserApply_EnabledAfterDisabled_Enabled()
    {
        var view = UserEvolution.Apply(null, new UserDisabled("u1", null, Now), 2, 20);
        view = UserEvolution.Apply(view, new UserEnabled("u1", Now), 3, 30);
        view = UserEvolution.Apply(view, new UserDisabled("u1", null, Now), 2, 20);

        Assert.True(view.Enabled);
    }

    [Fact]
    public void IsActive_EverythingKnownAndEnabled_Active()
    {
        var grant = GrantEvolution.Apply(null, Approved, 1, 1);
        var user = UserEvolution.Apply(null, new UserRegistered("u1", "alice", null, Now), 1, 2);

        Assert.True(TokenActivity.IsActive(UserToken, new ClientView { Id = "app1" }, grant, user, Now));
    }

    [Fact]
    public void IsActive_GrantRevoked_Inactive()
    {
        var grant = GrantEvolution.Apply(null, new GrantRevoked("g1", RevocationReasons.Admin, Now), 2, 2);

        Assert.False(TokenActivity.IsActive(UserToken, null, grant, null, Now));
    }

    [Fact]
    public void IsActive_UserDisabled_Inactive()
    {
        var user = UserEvolution.Apply(null, new UserDisabled("u1", null, Now), 2, 2);

        Assert.False(TokenActivity.IsActive(UserToken, null, null, user, Now));
    }

    [Fact]
    public void IsActive_ClientDisabled_Inactive()
    {
        var client = ClientEvolution.Apply(null, new ClientDisabled("app1", null, Now), 2, 2);

        Assert.False(TokenActivity.IsActive(UserToken, client, null, null, Now));
    }

    [Fact]
    public void IsActive_Expired_Inactive() =>
        Assert.False(TokenActivity.IsActive(UserToken, null, null, null, Now.AddMinutes(16)));
}
