using Microsoft.AspNetCore.Http;
using Platform.ResourceServer.Authentication;
using Xunit;

namespace Platform.ResourceServer.Tests.Unit;

/// <summary>Reading the bearer token of a request (RFC 6750 §2.1) and writing the challenge (§3).</summary>
public sealed class BearerAnswerTests
{
    private static PresentedToken? Read(params string[] authorization)
    {
        var context = new DefaultHttpContext();
        if (authorization.Length > 0)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return PresentedToken.Read(context.Request);
    }

    [Fact]
    public void Read_NoHeaderOrAnotherScheme_IsNoToken()
    {
        Assert.Null(Read());
        Assert.Null(Read("Basic ZGVtbzpzZWNyZXQ="));
    }

    [Theory]
    [InlineData("Bearer abc-DEF_123.~+/==", "abc-DEF_123.~+/==")]
    [InlineData("bearer abc", "abc")]
    public void Read_Bearer_IsTheToken(string header, string token) => Assert.Equal(token, Read(header)!.Token);

    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer a b")]
    [InlineData("Bearer a,b")]
    [InlineData("Bearer é")]
    public void Read_MalformedBearer_SaysMalformed(string header) => Assert.NotNull(Read(header)!.Malformed);

    [Fact]
    public void Read_TwoAuthorizationHeaders_SaysMalformed() => Assert.NotNull(Read("Bearer a", "Bearer b")!.Malformed);

    [Fact]
    public void Format_MissingToken_HasNoErrorCode() =>
        Assert.Equal("Bearer resource_metadata=\"https://api.example/.well-known/oauth-protected-resource\"",
            BearerChallenge.Format(null, null, null, null, "https://api.example/.well-known/oauth-protected-resource"));

    [Fact]
    public void Format_InsufficientScope_NamesTheScope() =>
        Assert.Equal("Bearer realm=\"erp\", error=\"insufficient_scope\", error_description=\"lacks documents.write\", scope=\"documents.write\", resource_metadata=\"https://api.example/m\"",
            BearerChallenge.Format("erp", "insufficient_scope", "lacks documents.write", "documents.write", "https://api.example/m"));

    [Fact]
    public void Format_DescriptionWithQuoteOrBackslash_KeepsTheHeaderParseable() =>
        Assert.Equal("Bearer error=\"invalid_token\", error_description=\"a  b \", resource_metadata=\"m\"",
            BearerChallenge.Format(null, "invalid_token", "a\"\\b\n", null, "m"));
}
