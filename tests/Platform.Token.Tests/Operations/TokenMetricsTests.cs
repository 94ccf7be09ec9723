using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Platform.ServiceDefaults;
using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests.Operations;

/// <summary>
/// The token service's counters, read as an operator's dashboard reads them: after one issuance, one refused
/// client and one revocation, exactly the series of that grant type, kind and result rose, and no tag carries
/// what a client sent as a credential.
/// </summary>
public sealed class TokenMetricsTests(TokenServiceFixture fixture) : IClassFixture<TokenServiceFixture>
{
    private MeterCapture Capture() => new(fixture.Host.Services.GetRequiredService<IMeterFactory>(), PlatformMeters.Tokens, PlatformMeters.Relay);

    [Fact]
    public async Task Issuance_OneClientCredentialsToken_IssuedSuccessForThatGrantRisesByOne()
    {
        using var capture = Capture();

        var token = await fixture.RequestTokenAsync();

        Assert.Equal(1, capture.Sum("platform.tokens.issued", ("oauth.grant_type", "client_credentials"), ("platform.result", "success")));
        Assert.Equal(0, capture.Sum("platform.tokens.refreshed"));
        AssertNoCredentialInTags(capture, token.AccessToken);
    }

    [Fact]
    public async Task Issuance_WrongClientSecret_IssuedInvalidClientRises()
    {
        using var capture = Capture();
        var wrongSecret = PlatformCluster.NewSecret();
        using var http = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = TokenServiceFixture.Scope }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(fixture.Client.Id, wrongSecret);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(1, capture.Sum("platform.tokens.issued", ("oauth.grant_type", "client_credentials"), ("platform.result", "invalid_client")));
        Assert.Equal(0, capture.Sum("platform.tokens.issued", ("platform.result", "success")));
        AssertNoCredentialInTags(capture, wrongSecret);
    }

    [Fact]
    public async Task Issuance_UnknownGrantType_CountedAsOtherNotAsWhatTheClientSent()
    {
        using var capture = Capture();
        var invented = "urn:example:" + Guid.NewGuid().ToString("N");
        using var http = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = invented }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(fixture.Client.Id, fixture.Client.Secret);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(1, capture.Sum("platform.tokens.issued", ("oauth.grant_type", "other"), ("platform.result", "unsupported_grant_type")));
        AssertNoCredentialInTags(capture, invented);
    }

    [Fact]
    public async Task Revocation_OfAnAccessToken_RevokedSuccessForAccessTokensRisesByOne()
    {
        var token = await fixture.RequestTokenAsync();
        using var capture = Capture();

        Assert.Equal(200, await fixture.RevokeAsync(token.AccessToken));

        Assert.Equal(1, capture.Sum("platform.tokens.revoked", ("platform.token.kind", "access_token"), ("platform.result", "success")));
        AssertNoCredentialInTags(capture, token.AccessToken);
    }

    [Fact]
    public async Task Relay_AfterAnIssuance_PublishedRisesAndLagReturnsToZero()
    {
        using var capture = Capture();
        var token = await fixture.RequestTokenAsync();
        var tokenId = await fixture.StreamIdOfAsync(token);
        var issued = Assert.Single(await EventStoreReader.EventsAsync(fixture.Postgres, tokenId));

        await Eventually.HoldsAsync(() => capture.Observe("platform.relay.position") >= issued.Sequence, "the relay's position to reach the issuance");
        Assert.True(capture.Sum("platform.relay.published") >= 1);
        await Eventually.HoldsAsync(() => capture.Observe("platform.relay.lag.events") == 0, "the relay's lag to return to zero");
        Assert.Equal(0, capture.Observe("platform.relay.lag.seconds"));
    }

    private static void AssertNoCredentialInTags(MeterCapture capture, string credential) =>
        Assert.All(capture.All, measurement => Assert.All(measurement.Tags.Values, value => Assert.DoesNotContain(credential, value ?? "", StringComparison.Ordinal)));
}
