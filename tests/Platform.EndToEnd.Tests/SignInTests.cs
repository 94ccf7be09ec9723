using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Duende.IdentityModel.Client;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The scenario Platform exists for, as a person and a standard client library live it: a web application
/// sends the user to Platform, the user signs in and consents in a real browser, and the application, knowing
/// only the issuer URL, exchanges the code, reads the user's profile, refreshes and revokes, all through the
/// gateway.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SignInTests(ClusterFixture fixture)
{
    private const string Scopes = "openid profile email offline_access";

    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task CodeFlow_BrowserSignInAndConsent_LibraryExchangesReadsRefreshesAndRevokes()
    {
        using var http = Cluster.CreateClient();
        var discovery = await DiscoverAsync(http);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();

        using var client = await RegisterWebClientAsync();
        var request = AuthorizationRequest.New();
        var callback = await SignInAsync(page, discovery, client, request, consent: "Allow");

        Assert.Equal(request.State, callback["state"]);
        var tokens = await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = client.Id,
            ClientSecret = client.Secret,
            Code = callback["code"],
            RedirectUri = client.RedirectUri.AbsoluteUri,
            CodeVerifier = request.Verifier,
        });
        Assert.False(tokens.IsError, tokens.Error + " " + tokens.ErrorDescription);
        Assert.NotNull(tokens.RefreshToken);
        var idToken = JwtPayload(tokens.IdentityToken!);
        Assert.Equal(request.Nonce, idToken.GetProperty("nonce").GetString());
        Assert.Equal(Cluster.Issuer.AbsoluteUri, idToken.GetProperty("iss").GetString());
        Assert.Equal(client.Id, idToken.GetProperty("aud").GetString());

        var userInfo = await http.GetUserInfoAsync(new UserInfoRequest { Address = discovery.UserInfoEndpoint, Token = tokens.AccessToken });
        Assert.False(userInfo.IsError, userInfo.Error);
        Assert.Equal(idToken.GetProperty("sub").GetString(), userInfo.Claims.Single(c => c.Type == "sub").Value);
        Assert.Equal(Cluster.User.UserName, userInfo.Claims.Single(c => c.Type == "preferred_username").Value);
        Assert.Equal("demo@example.com", userInfo.Claims.Single(c => c.Type == "email").Value);

        var refreshed = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = client.Id,
            ClientSecret = client.Secret,
            RefreshToken = tokens.RefreshToken,
        });
        Assert.False(refreshed.IsError, refreshed.Error + " " + refreshed.ErrorDescription);
        Assert.NotEqual(tokens.RefreshToken, refreshed.RefreshToken);
        var active = await Cluster.WaitForActiveAsync(refreshed.AccessToken!, active: true);
        Assert.Equal(client.Id, active.GetProperty("client_id").GetString());

        var revoked = await http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = discovery.RevocationEndpoint,
            ClientId = client.Id,
            ClientSecret = client.Secret,
            Token = refreshed.AccessToken!,
            TokenTypeHint = "access_token",
        });
        Assert.False(revoked.IsError, revoked.Error);
        await Cluster.WaitForActiveAsync(refreshed.AccessToken!, active: false);
    }

    [Fact]
    public async Task CodeFlow_UserDenies_ClientGetsAccessDeniedWithState()
    {
        using var http = Cluster.CreateClient();
        var discovery = await DiscoverAsync(http);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        using var client = await RegisterWebClientAsync();
        var request = AuthorizationRequest.New();

        var callback = await SignInAsync(page, discovery, client, request, consent: "Deny");

        Assert.Equal("access_denied", callback["error"]);
        Assert.Equal(request.State, callback["state"]);
        Assert.False(callback.ContainsKey("code"));
    }

    [Fact]
    public async Task CodeFlow_SecondRequestForSameScopes_RemembersTheGrantWithoutAskingAgain()
    {
        using var http = Cluster.CreateClient();
        var discovery = await DiscoverAsync(http);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        using var client = await RegisterWebClientAsync();
        await SignInAsync(page, discovery, client, AuthorizationRequest.New(), consent: "Allow");

        var again = AuthorizationRequest.New();
        var callback = await FollowToCallbackAsync(page, discovery, client, again, "openid profile");

        Assert.Equal(again.State, callback["state"]);
        Assert.True(callback.ContainsKey("code"), "a remembered grant covers fewer scopes without consent");
    }

    [Fact]
    public async Task CodeFlow_TrustedFirstPartyClient_SkipsConsent()
    {
        using var client = await RegisterWebClientAsync(consentType: "implicit");
        using var http = Cluster.CreateClient();
        var discovery = await DiscoverAsync(http);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        var request = AuthorizationRequest.New();
        await page.GotoAsync(request.Url(discovery, client.Id, client.RedirectUri, "openid profile"));
        await SubmitLoginAsync(page);
        var callback = await CallbackAsync(page, client);

        Assert.Equal(request.State, callback["state"]);
        Assert.True(callback.ContainsKey("code"));
    }

    /// <summary>A web application of its own per test, so that no test finds a grant another one left.</summary>
    private async Task<WebClient> RegisterWebClientAsync(string consentType = "explicit")
    {
        var callback = new CallbackListener();
        var redirect = callback.RedirectUri;
        var (id, secret) = await Cluster.RegisterClientAsync(new
        {
            clientId = $"web-{Guid.NewGuid():N}",
            displayName = "Shop web application",
            grantTypes = new[] { "authorization_code", "refresh_token" },
            redirectUris = new[] { redirect.AbsoluteUri },
            scopes = Scopes.Split(' '),
            consentType,
        });
        return new WebClient(id, secret, callback);
    }

    private sealed record WebClient(string Id, string Secret, CallbackListener Callback) : IDisposable
    {
        public Uri RedirectUri => Callback.RedirectUri;

        public void Dispose() => Callback.Dispose();
    }

    private async Task<DiscoveryDocumentResponse> DiscoverAsync(HttpClient http)
    {
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = Cluster.Issuer.AbsoluteUri,
            Policy = { RequireHttps = false },
        });
        Assert.False(discovery.IsError, discovery.Error);
        return discovery;
    }

    /// <summary>Goes to the authorize URL, signs in on the login page, answers the consent page, and returns the callback's parameters.</summary>
    private async Task<Dictionary<string, string>> SignInAsync(IPage page, DiscoveryDocumentResponse discovery, WebClient client, AuthorizationRequest request, string consent)
    {
        await page.GotoAsync(request.Url(discovery, client.Id, client.RedirectUri, Scopes));
        await SubmitLoginAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = consent }).ClickAsync();
        return await CallbackAsync(page, client);
    }

    private static async Task<Dictionary<string, string>> FollowToCallbackAsync(IPage page, DiscoveryDocumentResponse discovery, WebClient client, AuthorizationRequest request, string scopes)
    {
        await page.GotoAsync(request.Url(discovery, client.Id, client.RedirectUri, scopes));
        return await CallbackAsync(page, client);
    }

    private async Task SubmitLoginAsync(IPage page)
    {
        await page.GetByLabel("User name or e-mail").FillAsync(Cluster.User.UserName);
        await page.GetByLabel("Password").FillAsync(Cluster.User.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>Waits for the application's redirect URI to be called; if it never is, says where the browser stopped.</summary>
    private static async Task<Dictionary<string, string>> CallbackAsync(IPage page, WebClient client)
    {
        try
        {
            return await client.Callback.NextAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            var text = await page.Locator("body").InnerTextAsync();
            throw new TimeoutException($"The browser never reached the application; it stopped at {page.Url}:\n{text}");
        }
    }

    private static JsonElement JwtPayload(string jwt) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(jwt.Split('.')[1])).RootElement.Clone();

    private sealed record AuthorizationRequest(string State, string Nonce, string Verifier)
    {
        public static AuthorizationRequest New() => new(Random(), Random(), Random());

        public string Challenge => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(Verifier)));

        public string Url(DiscoveryDocumentResponse discovery, string clientId, Uri redirectUri, string scopes) =>
            new RequestUrl(discovery.AuthorizeEndpoint!).CreateAuthorizeUrl(
                clientId: clientId,
                responseType: "code",
                scope: scopes,
                redirectUri: redirectUri.AbsoluteUri,
                state: State,
                nonce: Nonce,
                codeChallenge: Challenge,
                codeChallengeMethod: "S256");

        private static string Random() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
    }
}
