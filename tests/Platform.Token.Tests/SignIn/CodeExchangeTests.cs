using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Contracts.Events;
using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests.SignIn;

/// <summary>
/// A web client exchanges an authorization code (RFC 6749 §4.1.3 with PKCE, RFC 7636) and refreshes (§6), and the
/// attacks on both fail: wrong or missing verifier, someone else's code or refresh token, an expired code, a
/// replayed code or refresh token (which revokes the grant's tokens), a wider scope. Each flow leaves exactly the
/// expected events in the store.
/// </summary>
public sealed class CodeExchangeTests(SignInFixture fixture) : IClassFixture<SignInFixture>
{
    [Fact]
    public async Task CodeWithPkce_Redeemed_ReturnsAccessRefreshAndIdTokenWithNonceAndAtHash()
    {
        var user = await fixture.RegisterUserAsync();
        var code = await fixture.AuthorizeAsync(fixture.ClientA, user);

        var answer = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);

        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        Assert.True(answer.NoStore, "A token answer must say Cache-Control: no-store.");
        Assert.Equal("Bearer", answer.Get("token_type"));
        Assert.Equal("openid profile email offline_access orders", answer.Get("scope"));
        var accessToken = answer.Get("access_token");
        Assert.False(accessToken.Contains('.', StringComparison.Ordinal), "Access tokens are opaque by default.");
        Assert.False(string.IsNullOrEmpty(answer.Get("refresh_token")));

        var idToken = await ValidateAsync(answer.Get("id_token"), "JWT", fixture.ClientA.Id);
        Assert.Equal(SecurityAlgorithms.RsaSha256, idToken.Alg);
        Assert.Equal(user, idToken.Subject);
        Assert.Equal(code.Nonce, idToken.GetClaim("nonce").Value);
        Assert.Equal(LeftHalfHash(accessToken), idToken.GetClaim("at_hash").Value);
        Assert.Equal("Ada Lovelace", idToken.GetClaim("name").Value);
        Assert.Equal("ada@example.test", idToken.GetClaim("email").Value);
    }

    [Fact]
    public async Task CodeRedeemed_Events_CodeRedeemedThenAccessRefreshAndIdTokenIssuedFromIt()
    {
        var user = await fixture.RegisterUserAsync();
        var code = await fixture.AuthorizeAsync(fixture.ClientA, user);
        var codeId = await fixture.StreamIdOfReferenceAsync(code.Code);
        var grantId = (await EventStoreReader.EventsAsync(fixture.Postgres, codeId))[0].Data.GetProperty("grantId").GetString();
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var answer = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var events = await EventStoreReader.EventsAfterAsync(fixture.Postgres, before);
        Assert.Equal(
            [("token_redeemed", (string?)null), ("token_issued", "access_token"), ("token_issued", "refresh_token"), ("token_issued", "id_token")],
            events.Select(e => (e.Type, e.Type == "token_issued" ? e.Data.GetProperty("kind").GetString() : null)));
        Assert.Equal(codeId, events[0].StreamId);
        foreach (var issued in events.Skip(1))
        {
            Assert.Equal(codeId, issued.Data.GetProperty("parentTokenId").GetString());
            Assert.Equal(grantId, issued.Data.GetProperty("grantId").GetString());
            Assert.Equal(user, issued.Data.GetProperty("subject").GetString());
            Assert.Equal(fixture.ClientA.Id, issued.Data.GetProperty("clientId").GetString());
        }

        Assert.Equal(await fixture.StreamIdOfReferenceAsync(answer.Get("access_token")), events[1].StreamId);
        Assert.Equal(await fixture.StreamIdOfReferenceAsync(answer.Get("refresh_token")), events[2].StreamId);
        Assert.Equal([SignInFixture.ApiResource], events[1].Data.GetProperty("audiences").EnumerateArray().Select(a => a.GetString()));
        Assert.DoesNotContain(answer.Get("id_token"), await EventStoreReader.AllEventDataAsync(fixture.Postgres), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_WrongVerifier_InvalidGrantAndNothingIssued()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var answer = await fixture.RedeemAsync(fixture.ClientA, code.Code, Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32)));

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("invalid_grant", answer.Error);
        Assert.True(answer.NoStore);
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Fact]
    public async Task Code_MissingVerifier_InvalidRequestAndNothingIssued()
    {
        // RFC 6749 §5.2: a required parameter missing is invalid_request (a wrong one is invalid_grant, RFC 7636 §4.6).
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var answer = await fixture.RedeemAsync(fixture.ClientA, code.Code, verifier: null);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("invalid_request", answer.Error);
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Fact]
    public async Task Code_OtherRedirectUri_InvalidGrant()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());

        var answer = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier, SignInFixture.RedirectUri + "/");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("invalid_grant", answer.Error);
    }

    [Fact]
    public async Task Code_PresentedByAnotherClient_InvalidGrantAndStillUsableByItsClient()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());

        var stolen = await fixture.RedeemAsync(fixture.ClientB, code.Code, code.Verifier);

        Assert.Equal(HttpStatusCode.BadRequest, stolen.Status);
        Assert.Equal("invalid_grant", stolen.Error);
        Assert.Equal(HttpStatusCode.OK, (await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier)).Status);
    }

    [Fact]
    public async Task Code_Expired_InvalidGrant()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync(), codeLifetimeSeconds: 1);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var answer = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("invalid_grant", answer.Error);
    }

    [Fact]
    public async Task Code_RedeemedTwice_InvalidGrantAndFirstRedemptionsTokensRevokedAsCodeReplayed()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());
        var codeId = await fixture.StreamIdOfReferenceAsync(code.Code);
        var first = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);
        Assert.Equal(HttpStatusCode.OK, first.Status);
        var issued = (await EventStoreReader.EventsOfTypeAsync(fixture.Postgres, "token_issued"))
            .Where(e => e.Data.GetProperty("parentTokenId").GetString() == codeId)
            .Select(e => e.StreamId)
            .ToList();
        Assert.Equal(3, issued.Count);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var second = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);

        Assert.Equal(HttpStatusCode.BadRequest, second.Status);
        Assert.Equal("invalid_grant", second.Error);
        var events = await EventStoreReader.EventsAfterAsync(fixture.Postgres, before);
        Assert.All(events, e => Assert.Equal("token_revoked", e.Type));
        Assert.All(events, e => Assert.Equal(RevocationReasons.CodeReplayed, e.Data.GetProperty("reason").GetString()));
        Assert.Equal(new[] { codeId }.Concat(issued).Order(), events.Select(e => e.StreamId).Order());

        // What the client got from the first redemption no longer works.
        var refresh = await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"));
        Assert.Equal("invalid_grant", refresh.Error);
    }

    [Fact]
    public async Task Code_TenParallelRedemptions_ExactlyOneSucceeds()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier)));

        Assert.Single(answers, a => a.Status == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, a.Status);
            Assert.Equal("invalid_grant", a.Error);
        });
        var codeId = await fixture.StreamIdOfReferenceAsync(code.Code);
        Assert.Single(await EventStoreReader.EventsAsync(fixture.Postgres, codeId), e => e.Type == "token_redeemed");
        Assert.Equal(3, (await EventStoreReader.EventsOfTypeAsync(fixture.Postgres, "token_issued"))
            .Count(e => e.Data.GetProperty("parentTokenId").GetString() == codeId));
    }

    [Fact]
    public async Task Refresh_Rotates_NewRefreshTokenIssuedFromTheRedeemedOne()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());
        var first = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);
        var oldRefreshId = await fixture.StreamIdOfReferenceAsync(first.Get("refresh_token"));
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var refreshed = await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"));

        Assert.True(refreshed.Status == HttpStatusCode.OK, refreshed.ToString());
        Assert.True(refreshed.NoStore);
        Assert.NotEqual(first.Get("refresh_token"), refreshed.Get("refresh_token"));
        Assert.NotEqual(first.Get("access_token"), refreshed.Get("access_token"));
        var idToken = await ValidateAsync(refreshed.Get("id_token"), "JWT", fixture.ClientA.Id);
        Assert.Equal(LeftHalfHash(refreshed.Get("access_token")), idToken.GetClaim("at_hash").Value);

        var events = await EventStoreReader.EventsAfterAsync(fixture.Postgres, before);
        Assert.Equal(
            [("token_redeemed", (string?)null), ("token_issued", "access_token"), ("token_issued", "refresh_token"), ("token_issued", "id_token")],
            events.Select(e => (e.Type, e.Type == "token_issued" ? e.Data.GetProperty("kind").GetString() : null)));
        Assert.Equal(oldRefreshId, events[0].StreamId);
        Assert.All(events.Skip(1), e => Assert.Equal(oldRefreshId, e.Data.GetProperty("parentTokenId").GetString()));
        Assert.Equal(await fixture.StreamIdOfReferenceAsync(refreshed.Get("refresh_token")), events[2].StreamId);
    }

    [Fact]
    public async Task Refresh_ReusedWithinLeeway_Answered()
    {
        // A client that lost the answer may retry at once (Platform:Tokens:RefreshTokenReuseLeeway).
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());
        var first = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);
        Assert.Equal(HttpStatusCode.OK, (await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"))).Status);

        var retried = await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"));

        Assert.True(retried.Status == HttpStatusCode.OK, retried.ToString());
    }

    [Fact]
    public async Task Refresh_ReusedAfterLeeway_InvalidGrantAndEveryTokenOfTheGrantRevokedAsRefreshReplayed()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());
        var codeId = await fixture.StreamIdOfReferenceAsync(code.Code);
        var grantId = (await EventStoreReader.EventsAsync(fixture.Postgres, codeId))[0].Data.GetProperty("grantId").GetString();
        var first = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);
        var rotated = await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"));
        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        await Task.Delay(SignInFixture.ReuseLeeway + TimeSpan.FromMilliseconds(500));
        var grantTokens = (await EventStoreReader.EventsOfTypeAsync(fixture.Postgres, "token_issued"))
            .Where(e => e.Data.GetProperty("grantId").GetString() == grantId)
            .Select(e => e.StreamId)
            .Order()
            .ToList();
        Assert.Equal(7, grantTokens.Count); // the code, then access, refresh and id token twice
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var replayed = await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"));

        Assert.Equal(HttpStatusCode.BadRequest, replayed.Status);
        Assert.Equal("invalid_grant", replayed.Error);
        var events = await EventStoreReader.EventsAfterAsync(fixture.Postgres, before);
        Assert.All(events, e => Assert.Equal("token_revoked", e.Type));
        Assert.All(events, e => Assert.Equal(RevocationReasons.RefreshReplayed, e.Data.GetProperty("reason").GetString()));
        Assert.Equal(grantTokens, events.Select(e => e.StreamId).Order());
        Assert.Equal("invalid_grant", (await fixture.RefreshAsync(fixture.ClientA, rotated.Get("refresh_token"))).Error);
    }

    [Fact]
    public async Task Refresh_PresentedByAnotherClient_InvalidGrant()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());
        var first = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var stolen = await fixture.RefreshAsync(fixture.ClientB, first.Get("refresh_token"));

        Assert.Equal(HttpStatusCode.BadRequest, stolen.Status);
        Assert.Equal("invalid_grant", stolen.Error);
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Theory]
    [InlineData("openid offline_access orders", "openid profile email offline_access orders")]
    [InlineData("openid offline_access", "openid offline_access orders")]
    public async Task Refresh_WiderScopeThanGranted_InvalidScope(string granted, string asked)
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync(), granted);
        var first = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);
        Assert.Equal(HttpStatusCode.OK, first.Status);

        var wider = await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"), asked);

        Assert.Equal(HttpStatusCode.BadRequest, wider.Status);
        Assert.Equal("invalid_scope", wider.Error);
        Assert.True(wider.NoStore);
    }

    [Fact]
    public async Task Refresh_NarrowerScope_AccessTokenHasTheNarrowerScope()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());
        var first = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var narrower = await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"), "openid orders");

        // The answer may leave scope out when it is the one asked for (RFC 6749 §5.1); the issued token says it.
        Assert.True(narrower.Status == HttpStatusCode.OK, narrower.ToString());
        var access = Assert.Single(await EventStoreReader.EventsAfterAsync(fixture.Postgres, before), e =>
            e.Type == "token_issued" && e.Data.GetProperty("kind").GetString() == "access_token");
        Assert.Equal(["openid", "orders"], access.Data.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()).Order());
    }

    [Fact]
    public async Task Refresh_UserDisabledSinceSignIn_InvalidGrantAndNothingIssued()
    {
        var user = await fixture.RegisterUserAsync();
        var code = await fixture.AuthorizeAsync(fixture.ClientA, user);
        var first = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);
        await fixture.AppendToUserAsync(user, new UserDisabled(user, "left the company", DateTimeOffset.UtcNow));
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var refreshed = await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"));

        Assert.Equal(HttpStatusCode.BadRequest, refreshed.Status);
        Assert.Equal("invalid_grant", refreshed.Error);
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));

        await fixture.AppendToUserAsync(user, new UserEnabled(user, DateTimeOffset.UtcNow));
        Assert.Equal(HttpStatusCode.OK, (await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"))).Status);
    }

    [Fact]
    public async Task Code_ForUnknownUser_InvalidGrant()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, Guid.NewGuid().ToString());

        var answer = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);

        Assert.Equal("invalid_grant", answer.Error);
    }

    [Fact]
    public async Task JwtClient_CodeRedeemed_AccessTokenIsAnAtJwtVerifiedWithThePublishedKeys()
    {
        var user = await fixture.RegisterUserAsync();
        var code = await fixture.AuthorizeAsync(fixture.JwtClient, user);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var answer = await fixture.RedeemAsync(fixture.JwtClient, code.Code, code.Verifier);

        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        var accessToken = await ValidateAsync(answer.Get("access_token"), "at+jwt", SignInFixture.ApiResource);
        Assert.Equal(SecurityAlgorithms.RsaSha256, accessToken.Alg);
        Assert.Equal(user, accessToken.Subject);
        Assert.Equal(fixture.JwtClient.Id, accessToken.GetClaim("client_id").Value);
        Assert.Equal("openid profile email offline_access orders", accessToken.GetClaim("scope").Value);
        var idToken = await ValidateAsync(answer.Get("id_token"), "JWT", fixture.JwtClient.Id);
        Assert.Equal(LeftHalfHash(answer.Get("access_token")), idToken.GetClaim("at_hash").Value);

        // Still one token_issued, by jti, with no reference hash: there is no reference.
        var issued = Assert.Single(await EventStoreReader.EventsAfterAsync(fixture.Postgres, before), e =>
            e.Type == "token_issued" && e.Data.GetProperty("kind").GetString() == "access_token");
        Assert.Equal(accessToken.GetClaim("oi_tkn_id").Value, issued.StreamId);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, issued.Data.GetProperty("referenceIdHash").ValueKind);
        Assert.DoesNotContain(answer.Get("access_token"), await EventStoreReader.AllEventDataAsync(fixture.Postgres), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenRequest_WrongSecretWithBasic_InvalidClient401WithBasicChallenge()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());

        var answer = await fixture.RedeemAsync((fixture.ClientA.Id, PlatformCluster.NewSecret()), code.Code, code.Verifier);

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal("invalid_client", answer.Error);
        Assert.Contains("Basic", answer.Challenges);
        Assert.True(answer.NoStore);
    }

    private async Task<JsonWebToken> ValidateAsync(string token, string type, string audience)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = ServiceHost<Program>.Issuer.AbsoluteUri,
            ValidAudience = audience,
            IssuerSigningKeys = fixture.SigningKeys(),
            ValidTypes = [type],
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        });
        Assert.True(result.IsValid, $"{type} did not validate: {result.Exception}");
        return (JsonWebToken)result.SecurityToken;
    }

    // OIDC Core §3.1.3.6: the left half of the SHA-256 of the access token, base64url.
    private static string LeftHalfHash(string token) => Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(token))[..16]);
}
