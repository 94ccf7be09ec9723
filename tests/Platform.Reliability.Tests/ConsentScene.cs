using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Testing;

namespace Platform.Reliability.Tests;

/// <summary>
/// What a consent forgery needs: a web application of its own (explicit consent, a loopback redirect URI), users
/// created for the test, their sign-ins, the consent page's antiforgery token, and the application's grants as the admin API lists them (a grant exists exactly when <c>GrantApproved</c> was appended).
/// </summary>
public sealed partial class ConsentScene
{
    /// <summary>The S256 challenge of RFC 7636's example verifier: the request must carry one, nobody redeems the code.</summary>
    private const string CodeChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    private readonly PlatformCluster cluster;
    private readonly string adminToken;

    private ConsentScene(PlatformCluster cluster, string clientId, Uri redirectUri, string adminToken)
    {
        this.cluster = cluster;
        ClientId = clientId;
        RedirectUri = redirectUri;
        this.adminToken = adminToken;
    }

    public string ClientId { get; }

    public Uri RedirectUri { get; }

    public Uri Issuer => cluster.Issuer;

    /// <summary>Where the consent form posts (the authorization endpoint, through the gateway).</summary>
    public Uri AuthorizeEndpoint => AuthorizeEndpointVia(cluster.Issuer);

    /// <param name="applicationPort">The port of the application's redirect URI; by default one nothing listens on.</param>
    public static async Task<ConsentScene> CreateAsync(PlatformCluster cluster, int? applicationPort = null)
    {
        var redirectUri = new Uri($"http://127.0.0.1:{applicationPort ?? ServiceProcess.FreePort()}/callback");
        var (clientId, _) = await cluster.RegisterClientAsync(new
        {
            clientId = $"consent-{Guid.NewGuid():N}",
            displayName = "Consent forgery target",
            grantTypes = new[] { "authorization_code" },
            redirectUris = new[] { redirectUri.AbsoluteUri },
            scopes = new[] { "openid", "profile" },
            consentType = "explicit",
        });
        return new ConsentScene(cluster, clientId, redirectUri, await cluster.GetTokenAsync(cluster.Admin, "platform.admin"));
    }

    /// <summary>The authorization request's parameters, as the application sends them and the consent form carries them back.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> RequestFields(string state) =>
    [
        new("client_id", ClientId), new("redirect_uri", RedirectUri.AbsoluteUri), new("response_type", "code"), new("scope", "openid profile"),
        new("state", state), new("code_challenge", CodeChallenge), new("code_challenge_method", "S256"),
    ];

    public Uri AuthorizeUrl(string state, params KeyValuePair<string, string>[] extra) => AuthorizeUrlVia(cluster.Issuer, state, extra);

    /// <summary>The authorization request through <paramref name="platform"/>, another name of the gateway (a browser test's site).</summary>
    public static Uri AuthorizeEndpointVia(Uri platform) => new(platform, "connect/authorize");

    public Uri AuthorizeUrlVia(Uri platform, string state, params KeyValuePair<string, string>[] extra) =>
        new(AuthorizeEndpointVia(platform) + QueryString(RequestFields(state).Concat(extra)));

    /// <summary>A user of the test's own (through <c>/admin/users</c>), so no other test's lockout or grant gets in the way.</summary>
    public async Task<(string UserName, string Password)> NewUserAsync(string role)
    {
        using var http = AdminClient();
        var userName = $"{role}-{Guid.NewGuid():N}"[..Math.Min(role.Length + 13, 40)];
        using var answer = await http.PostAsJsonAsync("admin/users", new { username = userName, email = $"{userName}@example.com", name = role });
        var body = await answer.Content.ReadAsStringAsync();
        if (answer.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"Creating the user failed: {(int)answer.StatusCode} {body}");
        }

        return (userName, JsonDocument.Parse(body).RootElement.GetProperty("password").GetString()!);
    }

    /// <summary>A signed-in browser without a browser: an HTTP client keeping its cookies, after the real login form.</summary>
    public async Task<SignedInClient> SignInAsync((string UserName, string Password) user)
    {
        var cookies = new CookieContainer();
        var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }, disposeHandler: true)
        {
            BaseAddress = cluster.Issuer,
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var page = await http.GetAsync("account/login");
        var token = LoginAntiforgery().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        using var signIn = await http.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Login"] = user.UserName, ["Password"] = user.Password, ["__RequestVerificationToken"] = token,
        }));
        if (signIn.StatusCode != HttpStatusCode.Redirect)
        {
            http.Dispose();
            throw new InvalidOperationException($"{user.UserName} could not sign in: {(int)signIn.StatusCode}");
        }

        return new SignedInClient(http, cookies);
    }

    /// <summary>The consent page this signed-in user gets for the request, and the antiforgery token in its form.</summary>
    public async Task<string> ConsentTokenAsync(SignedInClient user, string state)
    {
        ArgumentNullException.ThrowIfNull(user);
        using var page = await user.Http.GetAsync(AuthorizeUrl(state));
        var html = await page.Content.ReadAsStringAsync();
        if (page.StatusCode != HttpStatusCode.OK || ConsentAntiforgery().Match(html) is not { Success: true } match)
        {
            throw new InvalidOperationException($"No consent page: {(int)page.StatusCode} {html[..Math.Min(html.Length, 400)]}");
        }

        return match.Groups[1].Value;
    }

    /// <summary>The application's grants (remembered consents), from the admin API, which reads the store's documents.</summary>
    public async Task<int> GrantCountAsync()
    {
        using var http = AdminClient();
        using var answer = await http.GetAsync($"admin/grants?clientId={Uri.EscapeDataString(ClientId)}");
        answer.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetArrayLength();
    }

    /// <summary>Whether <paramref name="location"/> sends the browser to the application with a code.</summary>
    public bool CarriesCode(string? location) =>
        location is not null && location.StartsWith(RedirectUri.AbsoluteUri, StringComparison.Ordinal) && location.Contains("code=", StringComparison.Ordinal);

    private HttpClient AdminClient()
    {
        var http = cluster.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        return http;
    }

    private static string QueryString(IEnumerable<KeyValuePair<string, string>> fields) =>
        "?" + string.Join('&', fields.Select(field => $"{Uri.EscapeDataString(field.Key)}={Uri.EscapeDataString(field.Value)}"));

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex LoginAntiforgery();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex ConsentAntiforgery();
}

/// <summary>A signed-in user's HTTP client and its cookie jar (the session cookie, and the antiforgery cookie once a form was shown).</summary>
public sealed record SignedInClient(HttpClient Http, CookieContainer Cookies) : IDisposable
{
    /// <summary>The jar's cookies for <paramref name="site"/>, as a browser would send them in a <c>Cookie</c> header.</summary>
    public string CookieHeader(Uri site) => Cookies.GetCookieHeader(site);

    public void Dispose() => Http.Dispose();
}
