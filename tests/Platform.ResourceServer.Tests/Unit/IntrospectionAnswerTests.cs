using System.Text;
using Platform.ResourceServer.Introspection;
using Xunit;

namespace Platform.ResourceServer.Tests.Unit;

/// <summary>RFC 7662 §2.2 answers turned into verdicts.</summary>
public sealed class IntrospectionAnswerTests
{
    private const string Issuer = "http://localhost:5000/";
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static TokenVerdict? Judge(string json, string? audience = null) =>
        IntrospectionClient.Judge(Encoding.UTF8.GetBytes(json), Issuer, new ResourceServerOptions { Audience = audience }, "Bearer");

    private static long In(int seconds) => Now.AddSeconds(seconds).ToUnixTimeSeconds();

    [Fact]
    public void Judge_ActiveAccessToken_AcceptsItWithItsClaims()
    {
        var verdict = Judge($$"""{"active":true,"iss":"{{Issuer}}","jti":"t1","scope":"documents.read documents.write","client_id":"shop","sub":"user-1","username":"demo","aud":"documents-api","exp":{{In(60)}},"token_type":"Bearer"}""");

        var accepted = Assert.IsType<TokenVerdict.Accepted>(verdict);
        var user = new System.Security.Claims.ClaimsPrincipal(accepted.Identity);
        Assert.Equal(["documents.read", "documents.write"], user.GetScopes());
        Assert.Equal("user-1", user.GetSubject());
        Assert.Equal("shop", user.GetClientId());
        Assert.Equal("demo", accepted.Identity.Name);
        Assert.Equal("t1", accepted.TokenId);
        Assert.Equal(Now.AddSeconds(60), accepted.ExpiresAt);
    }

    [Fact]
    public void Judge_Inactive_RejectsWithoutClaimingToKnowWhy() =>
        Assert.Equal(TokenVerdict.Inactive, Judge("""{"active":false}"""));

    [Fact]
    public void Judge_ActiveWithExpOrNbfOffTheApisClock_TrustsTheAuthorizationServersJudgement() =>
        Assert.IsType<TokenVerdict.Accepted>(Judge($$"""{"active":true,"nbf":{{In(3)}},"exp":{{In(-1)}}}"""));

    [Fact]
    public void Judge_RefreshToken_RejectsIt() =>
        Assert.Equal("The token is not an access token.", Assert.IsType<TokenVerdict.Rejected>(Judge("""{"active":true,"token_type":"refresh_token"}""")).Description);

    [Fact]
    public void Judge_AnotherIssuer_RejectsIt() =>
        Assert.IsType<TokenVerdict.Rejected>(Judge("""{"active":true,"iss":"https://elsewhere.example/"}"""));

    [Fact]
    public void Judge_AudienceRequiredAndMissing_RejectsIt()
    {
        Assert.IsType<TokenVerdict.Rejected>(Judge("""{"active":true,"aud":["shop"]}""", audience: "documents-api"));
        Assert.IsType<TokenVerdict.Accepted>(Judge("""{"active":true,"aud":["shop","documents-api"]}""", audience: "documents-api"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("<html>bad gateway</html>")]
    [InlineData("[]")]
    [InlineData("""{"active":"true"}""")]
    [InlineData("""{"scope":"x"}""")]
    public void Judge_NotAnIntrospectionAnswer_IsNoVerdict(string body) => Assert.Null(Judge(body));
}
