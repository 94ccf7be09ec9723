using Platform.Contracts.Events;
using Platform.Identity.Tokens;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Tests.Tokens;

public sealed class TokenChangesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);

    private static Token Stored(string status = Statuses.Valid) => new()
    {
        Id = "token-1",
        ApplicationId = "app-1",
        ClientId = "shop",
        AuthorizationId = "grant-1",
        Subject = "alice",
        Type = TokenTypeIdentifiers.Private.AuthorizationCode,
        Status = status,
        CreationDate = Now.AddMinutes(-1),
        ExpirationDate = Now.AddMinutes(4),
        Scopes = ["openid", "documents.read"],
        Audiences = ["documents"],
        Presenters = ["shop"],
        Version = 1,
    };

    private static Token Copy(Token token) => new()
    {
        Id = token.Id,
        ApplicationId = token.ApplicationId,
        ClientId = token.ClientId,
        AuthorizationId = token.AuthorizationId,
        Subject = token.Subject,
        Type = token.Type,
        Status = token.Status,
        CreationDate = token.CreationDate,
        ExpirationDate = token.ExpirationDate,
        RedemptionDate = token.RedemptionDate,
        ReferenceId = token.ReferenceId,
        Scopes = [.. token.Scopes],
        Audiences = [.. token.Audiences],
        Presenters = [.. token.Presenters],
        Properties = new(token.Properties),
        ParentTokenId = token.ParentTokenId,
        Version = token.Version,
    };

    [Fact]
    public void Decide_NoChange_EmitsNothing()
    {
        var stored = Stored();

        var events = TokenChanges.Decide(stored, Copy(stored), RevocationReasons.RevocationRequest, Now);

        Assert.Empty(events);
    }

    [Fact]
    public void Decide_StatusValidToRedeemed_EmitsTokenRedeemed()
    {
        var stored = Stored();
        var updated = Copy(stored);
        updated.Status = Statuses.Redeemed;
        updated.RedemptionDate = Now;

        var events = TokenChanges.Decide(stored, updated, RevocationReasons.RevocationRequest, Now);

        var redeemed = Assert.IsType<TokenRedeemed>(Assert.Single(events));
        Assert.Equal(new TokenRedeemed("token-1", Now), redeemed);
    }

    [Fact]
    public void Decide_StatusValidToRevoked_EmitsTokenRevokedWithReason()
    {
        var stored = Stored();
        var updated = Copy(stored);
        updated.Status = Statuses.Revoked;

        var events = TokenChanges.Decide(stored, updated, RevocationReasons.CodeReplayed, Now);

        Assert.Equal(new TokenRevoked("token-1", RevocationReasons.CodeReplayed, Now), Assert.Single(events));
    }

    [Fact]
    public void Decide_AlreadyRevoked_EmitsNothing()
    {
        var stored = Stored(Statuses.Revoked);
        var updated = Copy(stored);

        var events = TokenChanges.Decide(stored, updated, RevocationReasons.RevocationRequest, Now);

        Assert.Empty(events);
    }

    [Fact]
    public void Decide_RevokedToRedeemed_Throws()
    {
        var stored = Stored(Statuses.Revoked);
        var updated = Copy(stored);
        updated.Status = Statuses.Redeemed;

        Assert.Throws<InvalidOperationException>(() => TokenChanges.Decide(stored, updated, RevocationReasons.RevocationRequest, Now));
    }

    [Fact]
    public void Decide_ReferenceIdAttached_EmitsTokenReferenceAttached()
    {
        var stored = Stored();
        var updated = Copy(stored);
        updated.ReferenceId = "hash-of-reference";

        var events = TokenChanges.Decide(stored, updated, RevocationReasons.RevocationRequest, Now);

        Assert.Equal(new TokenReferenceAttached("token-1", "hash-of-reference", Now), Assert.Single(events));
    }

    [Fact]
    public void Decide_DeviceCodeApproved_EmitsUpdatedThenExpirationThenStatus()
    {
        var stored = Stored(Statuses.Inactive);
        stored.Type = TokenTypeIdentifiers.Private.DeviceCode;
        stored.Subject = null;
        var updated = Copy(stored);
        updated.Subject = "alice";
        updated.ExpirationDate = Now.AddMinutes(10);
        updated.Status = Statuses.Valid;

        var events = TokenChanges.Decide(stored, updated, RevocationReasons.RevocationRequest, Now);

        Assert.Collection(
            events,
            e => Assert.Equal("alice", Assert.IsType<TokenUpdated>(e).Subject),
            e => Assert.Equal(new TokenExpirationChanged("token-1", Now.AddMinutes(10), Now), e),
            e => Assert.Equal(new TokenStatusChanged("token-1", Statuses.Valid, Now), e));
    }

    [Fact]
    public void Revoke_AlreadyRevoked_EmitsNothing()
    {
        Assert.Empty(TokenChanges.Revoke(Stored(Statuses.Revoked), RevocationReasons.Admin, Now));
    }

    [Fact]
    public void Issue_AuthorizationCode_CarriesShortKindAndReferenceHash()
    {
        var token = Stored();
        token.ReferenceId = "hash-of-reference";

        var issued = TokenChanges.Issue(token, Now);

        Assert.Equal(TokenKinds.AuthorizationCode, issued.Kind);
        Assert.Equal("hash-of-reference", issued.ReferenceIdHash);
        Assert.Equal(["openid", "documents.read"], issued.Scopes);
        Assert.Equal("shop", issued.ClientId);
    }

    [Theory]
    [InlineData(TokenTypeIdentifiers.AccessToken, TokenKinds.AccessToken)]
    [InlineData(TokenTypeIdentifiers.RefreshToken, TokenKinds.RefreshToken)]
    [InlineData(TokenTypeIdentifiers.IdentityToken, TokenKinds.IdToken)]
    [InlineData(TokenTypeIdentifiers.Private.DeviceCode, TokenKinds.DeviceCode)]
    [InlineData(TokenTypeIdentifiers.Private.UserCode, TokenKinds.UserCode)]
    [InlineData("urn:example:custom", "urn:example:custom")]
    public void TokenTypeKinds_RoundTrip_KeepsType(string type, string kind)
    {
        Assert.Equal(kind, TokenTypeKinds.ToKind(type));
        Assert.Equal(type, TokenTypeKinds.ToType(kind));
    }
}
