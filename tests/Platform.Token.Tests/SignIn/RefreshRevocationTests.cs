using System.Net;
using Platform.Contracts.Events;
using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests.SignIn;

/// <summary>
/// A client revokes a user's refresh token (RFC 7009), as it does when the user signs out: the access tokens of
/// that sign-in stop working too (§2.1), not only the refresh token, and the user's other sign-ins go on.
/// </summary>
public sealed class RefreshRevocationTests(SignInFixture fixture) : IClassFixture<SignInFixture>
{
    [Fact]
    public async Task RevokeRefreshToken_EveryValidTokenOfTheSignInRevokedAndTheRefreshRefused()
    {
        var user = await fixture.RegisterUserAsync();
        var code = await fixture.AuthorizeAsync(fixture.ClientA, user);
        var codeId = await fixture.StreamIdOfReferenceAsync(code.Code);
        var first = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);
        var rotated = await fixture.RefreshAsync(fixture.ClientA, first.Get("refresh_token"));
        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        var firstRefreshId = await fixture.StreamIdOfReferenceAsync(first.Get("refresh_token"));
        var rotatedRefreshId = await fixture.StreamIdOfReferenceAsync(rotated.Get("refresh_token"));
        var otherCode = await fixture.AuthorizeAsync(fixture.ClientA, user);
        var otherSignIn = await fixture.RedeemAsync(fixture.ClientA, otherCode.Code, otherCode.Verifier);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var revoked = await RevokeAsync(rotated.Get("refresh_token"));

        Assert.Equal(HttpStatusCode.OK, revoked);
        var events = await EventStoreReader.EventsAfterAsync(fixture.Postgres, before);
        Assert.All(events, e => Assert.Equal("token_revoked", e.Type));
        var reasons = events.ToDictionary(e => e.StreamId, e => e.Data.GetProperty("reason").GetString());
        Assert.Equal(RevocationReasons.RevocationRequest, reasons[rotatedRefreshId]);
        // Both sign-in answers' access and id tokens: every token of the lineage still valid. The code and the first
        // refresh token were redeemed and stay so, so that presenting them again is still caught as a replay.
        var lineage = await LineageAsync(codeId);
        var stillValidBefore = lineage.Except([codeId, firstRefreshId, rotatedRefreshId]).ToList();
        Assert.Equal(4, stillValidBefore.Count);
        Assert.Equal(stillValidBefore.Order(), reasons.Where(r => r.Value == RevocationReasons.RefreshRevoked).Select(r => r.Key).Order());
        Assert.Equal("invalid_grant", (await fixture.RefreshAsync(fixture.ClientA, rotated.Get("refresh_token"))).Error);
        Assert.Equal(HttpStatusCode.OK, (await fixture.RefreshAsync(fixture.ClientA, otherSignIn.Get("refresh_token"))).Status);
    }

    [Fact]
    public async Task RevokeAccessToken_OnlyThatToken()
    {
        var code = await fixture.AuthorizeAsync(fixture.ClientA, await fixture.RegisterUserAsync());
        var answer = await fixture.RedeemAsync(fixture.ClientA, code.Code, code.Verifier);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        Assert.Equal(HttpStatusCode.OK, await RevokeAsync(answer.Get("access_token")));

        var revoked = Assert.Single(await EventStoreReader.EventsAfterAsync(fixture.Postgres, before));
        Assert.Equal(await fixture.StreamIdOfReferenceAsync(answer.Get("access_token")), revoked.StreamId);
        Assert.Equal(HttpStatusCode.OK, (await fixture.RefreshAsync(fixture.ClientA, answer.Get("refresh_token"))).Status);
    }

    private async Task<HttpStatusCode> RevokeAsync(string token)
    {
        using var http = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(fixture.ClientA.Id, fixture.ClientA.Secret);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>The stream ids of the code and of every token issued from it, by TokenIssued.ParentTokenId.</summary>
    private async Task<IReadOnlyList<string>> LineageAsync(string rootId)
    {
        var issued = await EventStoreReader.EventsOfTypeAsync(fixture.Postgres, "token_issued");
        var lineage = new List<string> { rootId };
        for (var i = 0; i < lineage.Count; i++)
        {
            lineage.AddRange(issued
                .Where(e => e.Data.TryGetProperty("parentTokenId", out var parent) && parent.GetString() == lineage[i])
                .Select(e => e.StreamId));
        }

        return lineage;
    }
}
