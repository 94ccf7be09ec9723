using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Contracts.Events;
using Platform.Identity.Sessions;
using Platform.Testing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>
/// The authorization service seeded with clients that sign users in: a confidential web client that asks for
/// consent, a trusted first-party client that does not, and a public native app. A user's session cookie is
/// minted the way the profile service writes it: the same scheme, the same data-protection key ring.
/// </summary>
public sealed partial class SignInFixture : IAsyncLifetime
{
    public const string Callback = "https://shop.example/callback";
    public const string SignedOut = "https://shop.example/signed-out";

    public string Postgres { get; private set; } = "";
    public ServiceHost<Program> Host { get; private set; } = null!;
    public (string Id, string Secret) Shop { get; } = ($"shop-{Guid.NewGuid():N}", PlatformCluster.NewSecret());
    public (string Id, string Secret) Erp { get; } = ($"erp-{Guid.NewGuid():N}", PlatformCluster.NewSecret());
    public string Mobile { get; } = $"mobile-{Guid.NewGuid():N}";
    public string Legacy { get; } = $"legacy-{Guid.NewGuid():N}";
    public const string LegacyCallback = "https://legacy.example/callback";
    private SeedFileOnDisk seed = null!;

    public async Task InitializeAsync()
    {
        var rabbitMq = await TestServers.RabbitMqAsync();
        Postgres = await TestServers.CreateDatabaseAsync("authorization_signin");
        string[] userScopes = ["openid", "profile", "email", "offline_access", "orders"];
        seed = SeedFileOnDisk.Write(new
        {
            scopes = new object[] { new { name = "orders", displayName = "See and place your orders", resources = new[] { "orders-api" } } },
            clients = new object[]
            {
                new
                {
                    clientId = Shop.Id, clientSecret = Shop.Secret, displayName = "Example Shop", grantTypes = new[] { "authorization_code", "refresh_token" },
                    scopes = userScopes, redirectUris = new[] { Callback }, postLogoutRedirectUris = new[] { SignedOut },
                },
                new
                {
                    clientId = Erp.Id, clientSecret = Erp.Secret, displayName = "Our ERP", grantTypes = new[] { "authorization_code" },
                    scopes = new[] { "openid", "profile" }, redirectUris = new[] { "https://erp.example/callback" }, consentType = "implicit",
                },
                new
                {
                    clientId = Legacy, displayName = "Legacy single-page app", clientType = "public", grantTypes = new[] { "implicit" },
                    scopes = new[] { "openid" }, redirectUris = new[] { LegacyCallback }, consentType = "implicit",
                },
                new
                {
                    clientId = Mobile, displayName = "Shop app", clientType = "public", applicationType = "native", grantTypes = new[] { "authorization_code" },
                    scopes = new[] { "openid" }, redirectUris = new[] { "http://127.0.0.1/callback", "com.example.shop:/callback" },
                },
            },
        });
        Host = AuthorizationServiceFixture.StartHost(Postgres, rabbitMq, seed.Path);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        seed.Dispose();
    }

    /// <summary>A browser that follows no redirect and keeps its cookies by hand (each test sees each hop).</summary>
    public Browser NewBrowser() => new(Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false }));

    /// <summary>A user with a stream (as the profile service registers one) and their session cookie.</summary>
    public async Task<(string UserId, string Cookie)> SignedInUserAsync(DateTimeOffset? authenticatedAt = null)
    {
        var userId = Guid.CreateVersion7().ToString();
        var store = Host.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream(userId, new UserRegistered(userId, "ada", "ada@example.com", DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        var at = authenticatedAt ?? DateTimeOffset.UtcNow;
        var identity = new ClaimsIdentity(
        [
            new Claim(SignInSession.Claims.Subject, userId),
            new Claim(SignInSession.Claims.Name, "Ada Lovelace"),
            new Claim(SignInSession.Claims.PreferredUserName, "ada"),
            new Claim(SignInSession.Claims.Email, "ada@example.com"),
            new Claim(SignInSession.Claims.AuthenticationTime, at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new Claim(SignInSession.Claims.SessionId, Guid.NewGuid().ToString("N")),
        ], SignInSession.Scheme, SignInSession.Claims.Name, "role");
        var options = Host.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(SignInSession.Scheme);
        var ticket = new AuthenticationTicket(new ClaimsPrincipal(identity),
            new AuthenticationProperties { IssuedUtc = at, ExpiresUtc = DateTimeOffset.UtcNow.AddHours(1) }, SignInSession.Scheme);
        return (userId, $"{SignInSession.CookieName}={options.TicketDataFormat.Protect(ticket)}");
    }

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = PlatformCluster.NewSecret();
        return (verifier, Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    /// <summary>An authorization request for <paramref name="clientId"/>, with PKCE S256 and a state unless overridden.</summary>
    public static string AuthorizeUrl(string clientId, string scope, string redirectUri = Callback, IReadOnlyDictionary<string, string?>? more = null)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["client_id"] = clientId,
            ["response_type"] = "code",
            ["redirect_uri"] = redirectUri,
            ["scope"] = scope,
            ["state"] = "st-" + Guid.NewGuid().ToString("N"),
            ["nonce"] = "n-" + Guid.NewGuid().ToString("N"),
            ["code_challenge"] = Pkce().Challenge,
            ["code_challenge_method"] = "S256",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            parameters[key] = value;
        }

        return QueryHelpers.AddQueryString("/connect/authorize", parameters.Where(p => p.Value is not null)!);
    }

    /// <summary>The hidden fields of the consent page's form, to post back as a browser would.</summary>
    public static List<KeyValuePair<string, string>> FormFields(string html) =>
        HiddenField().Matches(html).Select(m => new KeyValuePair<string, string>(WebUtility.HtmlDecode(m.Groups[1].Value), WebUtility.HtmlDecode(m.Groups[2].Value))).ToList();

    [GeneratedRegex("""<input type="hidden" name="([^"]*)" value="([^"]*)">""")]
    private static partial Regex HiddenField();
}

/// <summary>An HTTP client with the cookies a browser would send, kept by hand.</summary>
public sealed class Browser(HttpClient http) : IDisposable
{
    private readonly Dictionary<string, string> cookies = [];

    public void SetCookie(string cookie)
    {
        var (name, value) = (cookie[..cookie.IndexOf('=')], cookie[(cookie.IndexOf('=') + 1)..]);
        cookies[name] = value;
    }

    public bool HasCookie(string name) => cookies.ContainsKey(name);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string url, IEnumerable<KeyValuePair<string, string>>? form = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (form is not null)
        {
            request.Content = new FormUrlEncodedContent(form);
        }

        if (cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await http.SendAsync(request);
        foreach (var header in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var pair = header.Split(';')[0];
            var name = pair[..pair.IndexOf('=')];
            var value = pair[(pair.IndexOf('=') + 1)..];
            var expired = header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase) || value.Length == 0;
            if (expired)
            {
                cookies.Remove(name);
            }
            else
            {
                cookies[name] = value;
            }
        }

        return response;
    }

    public Task<HttpResponseMessage> GetAsync(string url) => SendAsync(HttpMethod.Get, url);

    public void Dispose() => http.Dispose();
}
