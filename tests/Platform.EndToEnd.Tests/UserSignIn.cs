using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Duende.IdentityModel.Client;
using Microsoft.Playwright;
using Platform.Testing;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// A person signing in to a web application in a real browser, and the application finishing the job with a
/// standard library: authorize (code + PKCE S256), the login page, the consent page, the callback, the code
/// exchange. For tests that need a user's tokens (connected apps, cascades).
/// </summary>
public static class UserSignIn
{
    public const string Scopes = "openid profile email offline_access";

    /// <summary>Signs <paramref name="userName"/> in to the client and returns its tokens.</summary>
    /// <param name="consent">False for a client that does not ask (implicit consent, or a remembered grant).</param>
    public static async Task<TokenResponse> SignInAsync(
        PlatformCluster cluster, IPage page, (string Id, string Secret) client, CallbackListener callback,
        string userName, string password, string scopes = Scopes, bool consent = true)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(callback);
        using var http = cluster.CreateClient();
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = cluster.Issuer.AbsoluteUri,
            Policy = { RequireHttps = false },
        });
        if (discovery.IsError)
        {
            throw new InvalidOperationException($"Discovery failed: {discovery.Error}");
        }

        var verifier = Random();
        var state = Random();
        var url = new RequestUrl(discovery.AuthorizeEndpoint!).CreateAuthorizeUrl(
            clientId: client.Id, responseType: "code", scope: scopes, redirectUri: callback.RedirectUri.AbsoluteUri,
            state: state, nonce: Random(), codeChallenge: Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
            codeChallengeMethod: "S256");
        await page.GotoAsync(url);
        await page.GetByLabel("User name or e-mail").FillAsync(userName);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        if (consent)
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        }

        Dictionary<string, string> answer;
        try
        {
            answer = await callback.NextAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The browser never reached the application; it stopped at {page.Url}:\n{await page.Locator("body").InnerTextAsync()}");
        }

        if (!answer.TryGetValue("code", out var code) || answer.GetValueOrDefault("state") != state)
        {
            throw new InvalidOperationException($"The application got no code: {string.Join(", ", answer.Select(p => $"{p.Key}={p.Value}"))}");
        }

        var tokens = await http.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = client.Id,
            ClientSecret = client.Secret,
            Code = code,
            RedirectUri = callback.RedirectUri.AbsoluteUri,
            CodeVerifier = verifier,
        });
        if (tokens.IsError)
        {
            throw new InvalidOperationException($"The code exchange failed: {tokens.Error} {tokens.ErrorDescription}");
        }

        return tokens;
    }

    /// <summary>Refreshes as the client would; the answer says whether Platform still honours the refresh token.</summary>
    public static async Task<TokenResponse> RefreshAsync(PlatformCluster cluster, (string Id, string Secret) client, string refreshToken)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        using var http = cluster.CreateClient();
        return await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = new Uri(cluster.Issuer, "connect/token").AbsoluteUri,
            ClientId = client.Id,
            ClientSecret = client.Secret,
            RefreshToken = refreshToken,
        });
    }

    private static string Random() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
