using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The admin API through the gateway on a running Platform, as an operator uses it, and the cascades a
/// resource server sees through introspection (the projection, fed over RabbitMQ): disabling a client or a
/// user, or revoking a grant, makes their tokens inactive; enabling again does not bring those tokens back.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class AdminApiTests(ClusterFixture fixture)
{
    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task DisableClient_ItsTokensBecomeInactive_EnableGivesNewTokensButNotTheOldOnes()
    {
        using var admin = await AdminAsync();
        var client = await Cluster.RegisterClientAsync(new { clientId = $"shop-{Guid.NewGuid():N}", scopes = new[] { "api" } });
        var token = await Cluster.GetTokenAsync(client, "api");
        await Cluster.WaitForActiveAsync(token, active: true);

        using (var disable = await admin.PostAsJsonAsync($"admin/clients/{client.Id}/disable", new { reason = "leaked secret" }))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        await Cluster.WaitForActiveAsync(token, active: false);

        using (var enable = await admin.PostAsync($"admin/clients/{client.Id}/enable", null))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        }

        var fresh = await WaitForTokenAsync(client, "api");
        await Cluster.WaitForActiveAsync(fresh, active: true);
        Assert.False((await Cluster.IntrospectAsync(token)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task DisableUser_TheirTokensBecomeInactive_RevokeGrant_ItsTokensBecomeInactive()
    {
        using var admin = await AdminAsync();
        var username = $"user-{Guid.NewGuid():N}"[..20];
        using var created = await admin.PostAsJsonAsync("admin/users", new { username, name = "Grace" });
        var user = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var (userId, password) = (user.GetProperty("id").GetString()!, user.GetProperty("password").GetString()!);
        var web = await RegisterWebClientAsync();

        // A grant revoked: only its tokens go.
        var first = await SignInAndExchangeAsync(web, username, password);
        var second = await SignInAndExchangeAsync(web, username, password);
        await Cluster.WaitForActiveAsync(first, active: true);
        var grants = await GetJsonAsync(admin, $"admin/grants?subject={userId}");
        var grant = Assert.Single(grants.EnumerateArray());
        Assert.Equal(web.Id, grant.GetProperty("clientId").GetString());
        Assert.Equal(grant.ToString(), Assert.Single((await GetJsonAsync(admin, $"admin/grants?clientId={web.Id}")).EnumerateArray()).ToString());
        using (var revoke = await admin.DeleteAsync($"admin/grants/{grant.GetProperty("id").GetString()}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        await Cluster.WaitForActiveAsync(first, active: false);
        await Cluster.WaitForActiveAsync(second, active: false);

        // A user disabled: all of their tokens go, and stay gone when the user is enabled again.
        var third = await SignInAndExchangeAsync(web, username, password);
        await Cluster.WaitForActiveAsync(third, active: true);
        using (var disable = await admin.PostAsJsonAsync($"admin/users/{username}/disable", new { reason = "left" }))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        await Cluster.WaitForActiveAsync(third, active: false);
        using (var enable = await admin.PostAsync($"admin/users/{userId}/enable", null))
        {
            Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        }

        var fourth = await SignInAndExchangeAsync(web, username, password);
        await Cluster.WaitForActiveAsync(fourth, active: true);
        Assert.False((await Cluster.IntrospectAsync(third)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task RevokeTokenById_IntrospectionSaysInactive()
    {
        using var admin = await AdminAsync();
        var client = await Cluster.RegisterClientAsync(new { clientId = $"shop-{Guid.NewGuid():N}", scopes = new[] { "api" } });
        var token = await Cluster.GetTokenAsync(client, "api");
        var jti = (await Cluster.WaitForActiveAsync(token, active: true)).GetProperty("jti").GetString();

        using var response = await admin.PostAsync($"admin/tokens/{jti}/revoke", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await Cluster.WaitForActiveAsync(token, active: false);
    }

    [Theory]
    [InlineData("admin/clients")]
    [InlineData("admin/scopes")]
    [InlineData("admin/grants?subject=x")]
    [InlineData("admin/users")]
    public async Task AdminPaths_ThroughTheGateway_WantAnAdminToken(string path)
    {
        using var http = Cluster.CreateClient();

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
    }

    [Fact]
    public async Task AdminDocs_ThroughTheGateway_ServeBothDocumentsAndTheReference()
    {
        using var http = Cluster.CreateClient();

        var authorization = await GetJsonAsync(http, "admin/openapi/authorization.json");
        var profile = await GetJsonAsync(http, "admin/openapi/profile.json");
        var page = await http.GetStringAsync("admin/docs");

        Assert.True(authorization.GetProperty("paths").TryGetProperty("/admin/clients/{clientId}/secret", out _));
        Assert.True(profile.GetProperty("paths").TryGetProperty("/admin/users/{user}/disable", out _));
        Assert.Contains("admin/openapi/profile.json", page, StringComparison.Ordinal);
    }

    private async Task<HttpClient> AdminAsync()
    {
        var http = Cluster.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Cluster.GetTokenAsync(Cluster.Admin, "platform.admin"));
        return http;
    }

    /// <summary>A client_credentials token, asked for until the token service's client look-up (cached up to 5 s) sees the client enabled.</summary>
    private async Task<string> WaitForTokenAsync((string Id, string Secret) client, string scope)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                return await Cluster.GetTokenAsync(client, scope);
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private sealed record WebClient(string Id, string Secret, string RedirectUri);

    private async Task<WebClient> RegisterWebClientAsync()
    {
        // Nothing listens there: the code is read from the redirect's Location.
        var redirectUri = $"http://127.0.0.1:{ServiceProcess.FreePort()}/callback";
        var (id, secret) = await Cluster.RegisterClientAsync(new
        {
            clientId = $"web-{Guid.NewGuid():N}",
            grantTypes = new[] { "authorization_code", "refresh_token" },
            redirectUris = new[] { redirectUri },
            scopes = new[] { "openid", "profile", "offline_access" },
            consentType = "implicit",
        });
        return new WebClient(id, secret, redirectUri);
    }

    /// <summary>The code flow as a browser walks it (login form, cookies), then the code exchanged for an access token.</summary>
    private async Task<string> SignInAndExchangeAsync(WebClient client, string username, string password)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(handler) { BaseAddress = Cluster.Issuer };
        var verifier = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var authorize = QueryHelpers.AddQueryString("connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = client.Id, ["response_type"] = "code", ["scope"] = "openid profile offline_access", ["redirect_uri"] = client.RedirectUri,
            ["state"] = "s", ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        });

        using var toLogin = await browser.GetAsync(authorize);
        var login = toLogin.Headers.Location!;
        var returnUrl = QueryHelpers.ParseQuery(new Uri(Cluster.Issuer, login).Query)["ReturnUrl"].ToString();
        var page = await browser.GetStringAsync(login);
        using var signedIn = await browser.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = RequestToken().Match(page).Groups[1].Value,
            ["Login"] = username,
            ["Password"] = password,
            ["ReturnUrl"] = returnUrl,
        }));
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, $"Sign-in: {(int)signedIn.StatusCode}");
        using var toCallback = await browser.GetAsync(signedIn.Headers.Location);
        var callback = toCallback.Headers.Location!;
        Assert.StartsWith(client.RedirectUri, callback.AbsoluteUri, StringComparison.Ordinal);
        var code = QueryHelpers.ParseQuery(callback.Query)["code"].ToString();

        using var http = Cluster.CreateClient();
        using var exchange = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = client.RedirectUri, ["code_verifier"] = verifier,
            }),
        };
        exchange.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
        using var tokens = await http.SendAsync(exchange);
        var body = await tokens.Content.ReadAsStringAsync();
        Assert.True(tokens.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex RequestToken();
}
