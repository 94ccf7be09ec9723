using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Profile.UserInfo;
using Platform.Profile.Users;
using Xunit;

namespace Platform.Profile.Tests;

/// <summary>
/// <c>/connect/userinfo</c> with access tokens made by the service's own OpenIddict server (the same
/// generation and token entry as the token endpoint's): claims per scope, RFC 6750 answers for bad tokens.
/// </summary>
public sealed class UserInfoTests(SignInFixture fixture) : IClassFixture<SignInFixture>
{
    [Fact]
    public void UserInfo_Release_GivesSubAlwaysAndOtherClaimsPerScope()
    {
        var ada = new UserAccount { Id = "user-1", UserName = "ada", Email = "ada@example.com" };
        Assert.Equal(["sub"], UserInfoEndpoint.Release(ada, ["openid"]).Keys);
        Assert.Equal(["sub", "name", "preferred_username"], UserInfoEndpoint.Release(ada, ["openid", "profile"]).Keys);

        var all = UserInfoEndpoint.Release(ada, ["openid", "profile", "email", "offline_access", "api"]);
        Assert.Equal("user-1", all["sub"]);
        Assert.Equal("ada", all["name"]);
        Assert.Equal("ada", all["preferred_username"]);
        Assert.Equal("ada@example.com", all["email"]);
        Assert.Equal(false, all["email_verified"]);
        Assert.Equal(["sub"], UserInfoEndpoint.Release(ada with { Email = null }, ["openid", "email"]).Keys);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task UserInfo_TokenWithOpenIdProfileEmail_ReturnsTheUsersClaims(string method)
    {
        var user = await fixture.UserAsync("ada");
        var token = await fixture.AccessTokenAsync("ada", "openid", "profile", "email");

        var response = await SendAsync(new HttpMethod(method), token);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {response.Headers.WwwAuthenticate}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var claims = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(user.Id, claims.RootElement.GetProperty("sub").GetString());
        Assert.Equal("ada", claims.RootElement.GetProperty("name").GetString());
        Assert.Equal("ada", claims.RootElement.GetProperty("preferred_username").GetString());
        Assert.Equal("ada@example.com", claims.RootElement.GetProperty("email").GetString());
        Assert.False(claims.RootElement.GetProperty("email_verified").GetBoolean());
    }

    [Fact]
    public async Task UserInfo_TokenWithOpenIdOnly_ReturnsSubOnly()
    {
        var user = await fixture.UserAsync("grace");
        var token = await fixture.AccessTokenAsync("grace", "openid");

        var response = await SendAsync(HttpMethod.Get, token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var claims = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal([("sub", user.Id)], claims.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.GetString())));
    }

    [Fact]
    public async Task UserInfo_TokenWithoutOpenId_Is403InsufficientScope()
    {
        var token = await fixture.AccessTokenAsync("ada", "profile", "email");

        var response = await SendAsync(HttpMethod.Get, token);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"insufficient_scope\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("scope=\"openid\"", challenge.Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserInfo_NoToken_Is401WithBearerChallenge()
    {
        var response = await SendAsync(HttpMethod.Get, token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
    }

    [Fact]
    public async Task UserInfo_UnknownToken_Is401InvalidToken()
    {
        var response = await SendAsync(HttpMethod.Get, "not-a-token-Platform-ever-issued");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserInfo_RevokedToken_Is401InvalidToken()
    {
        var token = await fixture.AccessTokenAsync("edsger", "openid", "profile");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, token)).StatusCode);
        await fixture.RevokeTokensOfAsync("edsger");

        var response = await SendAsync(HttpMethod.Get, token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserInfo_DisabledUser_Is401InvalidToken()
    {
        var token = await fixture.AccessTokenAsync("alan", "openid");
        await fixture.DisableAsync("alan");

        var response = await SendAsync(HttpMethod.Get, token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("error=\"invalid_token\"", Assert.Single(response.Headers.WwwAuthenticate).Parameter, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/connect/token")]
    [InlineData("/connect/authorize")]
    [InlineData("/connect/introspect")]
    public async Task ProtocolPath_OwnedByAnotherService_Is404(string path)
    {
        using var client = fixture.Browser();

        var response = await client.PostAsync(path, new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string? token)
    {
        using var client = fixture.Browser();
        using var request = new HttpRequestMessage(method, "/connect/userinfo");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (method == HttpMethod.Post)
        {
            request.Content = new FormUrlEncodedContent([]);
        }

        return await client.SendAsync(request);
    }
}
