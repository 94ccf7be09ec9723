using Platform.Projection.Introspection;
using Xunit;

namespace Platform.Projection.Tests;

/// <summary>Which presented tokens take the JWT path: compact JWS only; opaque reference tokens never.</summary>
public sealed class JwtShapeTests
{
    [Theory]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", true)]
    [InlineData("a.b.c", true)]
    [InlineData("a-_.B_-.0", true)]
    [InlineData("4a7Xz_9-QmR2vTb8LkPq1sYw3nE6uHcJ0dFgIoAaBbC", false)] // an opaque reference token: base64url, no dots
    [InlineData("a.b.", false)] // alg none leaves the signature empty
    [InlineData("..", false)]
    [InlineData("a.b", false)]
    [InlineData("a.b.c.d.e", false)] // JWE: not a signed access token
    [InlineData("a.b.c=", false)]
    [InlineData("a .b.c", false)]
    [InlineData("", false)]
    public void LooksLikeJws_OnlyThreeNonEmptyBase64UrlParts(string presented, bool jws) =>
        Assert.Equal(jws, JwtAccessTokens.LooksLikeJws(presented));
}
