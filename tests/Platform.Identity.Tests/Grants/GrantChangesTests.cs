using Platform.Contracts.Events;
using Platform.Identity.Grants;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Tests.Grants;

public sealed class GrantChangesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);

    private static Grant Stored(string status = Statuses.Valid) => new()
    {
        Id = "grant-1",
        ApplicationId = "app-1",
        Subject = "alice",
        Type = AuthorizationTypes.Permanent,
        Status = status,
        Scopes = ["openid"],
        CreationDate = Now.AddDays(-1),
        Version = 1,
    };

    private static Grant Copy(Grant grant) => new()
    {
        Id = grant.Id,
        ApplicationId = grant.ApplicationId,
        Subject = grant.Subject,
        Type = grant.Type,
        Status = grant.Status,
        Scopes = [.. grant.Scopes],
        CreationDate = grant.CreationDate,
        Properties = new(grant.Properties),
        Version = grant.Version,
    };

    [Fact]
    public void Decide_NoChange_EmitsNothing()
    {
        var stored = Stored();

        Assert.Empty(GrantChanges.Decide(stored, Copy(stored), RevocationReasons.Admin, Now));
    }

    [Fact]
    public void Decide_StatusValidToRevoked_EmitsGrantRevoked()
    {
        var stored = Stored();
        var updated = Copy(stored);
        updated.Status = Statuses.Revoked;

        var events = GrantChanges.Decide(stored, updated, RevocationReasons.SignedOut, Now);

        Assert.Equal(new GrantRevoked("grant-1", RevocationReasons.SignedOut, Now), Assert.Single(events));
    }

    [Fact]
    public void Decide_ScopesAdded_EmitsGrantUpdated()
    {
        var stored = Stored();
        var updated = Copy(stored);
        updated.Scopes = ["openid", "profile"];

        var changed = Assert.IsType<GrantUpdated>(Assert.Single(GrantChanges.Decide(stored, updated, RevocationReasons.Admin, Now)));

        Assert.Equal(["openid", "profile"], changed.Scopes);
        Assert.Equal(Statuses.Valid, changed.Status);
    }

    [Fact]
    public void Decide_RevokedToValid_Throws()
    {
        var stored = Stored(Statuses.Revoked);
        var updated = Copy(stored);
        updated.Status = Statuses.Valid;

        Assert.Throws<InvalidOperationException>(() => GrantChanges.Decide(stored, updated, RevocationReasons.Admin, Now));
    }

    [Fact]
    public void Approve_ValidGrant_EmitsGrantApprovedOnly()
    {
        var grant = Stored();

        var approved = Assert.IsType<GrantApproved>(Assert.Single(GrantChanges.Approve(grant, RevocationReasons.Admin, Now)));

        Assert.Equal(grant.CreationDate, approved.ApprovedAt);
    }

    [Fact]
    public void Approve_CreatedRevoked_EmitsGrantApprovedThenGrantRevoked()
    {
        var events = GrantChanges.Approve(Stored(Statuses.Revoked), RevocationReasons.Admin, Now);

        Assert.Collection(events, e => Assert.IsType<GrantApproved>(e), e => Assert.IsType<GrantRevoked>(e));
    }

    [Fact]
    public void Revoke_AlreadyRevoked_EmitsNothing()
    {
        Assert.Empty(GrantChanges.Revoke(Stored(Statuses.Revoked), RevocationReasons.Admin, Now));
    }
}
