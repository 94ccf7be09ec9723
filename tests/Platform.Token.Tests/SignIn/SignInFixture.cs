using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using Platform.Contracts.Events;
using Platform.Testing;
using Platform.Token.Tokens.Issuing;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Token.Tests.SignIn;

/// <summary>
/// The token service on a database of its own, with <see cref="TestAuthorizationEndpoint"/> issuing authorization
/// codes, and three confidential web clients allowed code + PKCE + refresh: A and B with opaque access tokens, and
/// <c>Jwt</c> configured for RFC 9068 JWT access tokens. A refresh token may be presented again for one second.
/// </summary>
public sealed class SignInFixture : IAsyncLifetime
{
    public const string RedirectUri = "http://127.0.0.1:7890/callback";
    public const string ApiScope = "orders";
    public const string ApiResource = "orders-api";
    public static readonly TimeSpan ReuseLeeway = TimeSpan.FromSeconds(1);

    private ServiceHost<Program> serviceHost = null!;

    public string Postgres { get; private set; } = "";
    public WebApplicationFactory<Program> Host { get; private set; } = null!;
    public CapturedLogs Logs => serviceHost.Logs;
    public (string Id, string Secret) ClientA { get; } = ($"web-a-{Guid.NewGuid():N}", PlatformCluster.NewSecret());
    public (string Id, string Secret) ClientB { get; } = ($"web-b-{Guid.NewGuid():N}", PlatformCluster.NewSecret());
    public (string Id, string Secret) JwtClient { get; } = ($"web-jwt-{Guid.NewGuid():N}", PlatformCluster.NewSecret());

    public async Task InitializeAsync()
    {
        var rabbitMq = await TestServers.RabbitMqAsync();
        Postgres = await TestServers.CreateDatabaseAsync("token_signin");
        serviceHost = new ServiceHost<Program>(Postgres, rabbitMq, $"token-tests-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            ["Platform:Tokens:RefreshTokenReuseLeeway"] = ReuseLeeway.ToString("c"),
        });
        Host = serviceHost.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddTransient<IStartupFilter, TestAuthorizationEndpoint>()));
        Host.StartServer();

        await using var scope = Host.Services.CreateAsyncScope();
        var scopes = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        var api = new OpenIddictScopeDescriptor { Name = ApiScope, DisplayName = "Read and place orders" };
        api.Resources.Add(ApiResource);
        await scopes.CreateAsync(api);

        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await applications.CreateAsync(WebClient(ClientA));
        await applications.CreateAsync(WebClient(ClientB));
        var jwt = WebClient(JwtClient);
        jwt.Settings[AccessTokenFormat.SettingName] = AccessTokenFormat.Jwt;
        await applications.CreateAsync(jwt);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        await serviceHost.DisposeAsync();
    }

    private static OpenIddictApplicationDescriptor WebClient((string Id, string Secret) client)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = client.Id,
            ClientSecret = client.Secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "Web shop",
            RedirectUris = { new Uri(RedirectUri) },
            Requirements = { Requirements.Features.ProofKeyForCodeExchange },
        };
        foreach (var permission in new[]
        {
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.Revocation,
            Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
            Permissions.Scopes.Profile, Permissions.Scopes.Email, Permissions.Prefixes.Scope + Scopes.OfflineAccess,
            Permissions.Prefixes.Scope + ApiScope,
        })
        {
            descriptor.Permissions.Add(permission);
        }

        return descriptor;
    }

    /// <summary>A user as the profile service registers one: a stream with <c>UserRegistered</c>.</summary>
    public async Task<string> RegisterUserAsync()
    {
        var userId = Guid.NewGuid().ToString();
        await AppendToUserAsync(userId, new UserRegistered(userId, $"ada-{userId[..8]}", "ada@example.test", DateTimeOffset.UtcNow));
        return userId;
    }

    public async Task AppendToUserAsync(string userId, object @event)
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.Append(userId, @event);
        await session.SaveChangesAsync();
    }

    public HttpClient CreateClient() => Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>The user consents at the authorization endpoint; the client receives a code at its redirect URI.</summary>
    public async Task<Authorization> AuthorizeAsync(
        (string Id, string Secret) client, string userId, string scope = "openid profile email offline_access orders", int? codeLifetimeSeconds = null)
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var nonce = Guid.NewGuid().ToString("N");
        var state = Guid.NewGuid().ToString("N");
        var query = new Dictionary<string, string>
        {
            ["client_id"] = client.Id,
            ["redirect_uri"] = RedirectUri,
            ["response_type"] = "code",
            ["scope"] = scope,
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = "S256",
            ["nonce"] = nonce,
            ["state"] = state,
            [TestAuthorizationEndpoint.UserParameter] = userId,
        };
        if (codeLifetimeSeconds is { } seconds)
        {
            query[TestAuthorizationEndpoint.CodeLifetimeParameter] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        using var http = CreateClient();
        using var response = await http.GetAsync("connect/authorize?" + string.Join('&', query.Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value)}")));
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Authorization failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var location = response.Headers.Location!;
        Assert.StartsWith(RedirectUri + "?", location.AbsoluteUri, StringComparison.Ordinal);
        var parameters = location.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.Equal(state, parameters["state"]);
        return new Authorization(parameters["code"], verifier, nonce);
    }

    public Task<TokenAnswer> RedeemAsync((string Id, string Secret) client, string code, string? verifier, string redirectUri = RedirectUri)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = redirectUri };
        if (verifier is not null)
        {
            form["code_verifier"] = verifier;
        }

        return PostTokenAsync(client, form);
    }

    public Task<TokenAnswer> RefreshAsync((string Id, string Secret) client, string refreshToken, string? scope = null)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        return PostTokenAsync(client, form);
    }

    public async Task<TokenAnswer> PostTokenAsync((string Id, string Secret) client, IDictionary<string, string> form)
    {
        using var http = CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return new TokenAnswer(
            response.StatusCode,
            JsonDocument.Parse(body).RootElement.Clone(),
            response.Headers.CacheControl?.NoStore == true,
            response.Headers.WwwAuthenticate.Select(h => h.Scheme).ToList());
    }

    /// <summary>The public keys OpenIddict signs with: what the authorization service's JWKS endpoint publishes.</summary>
    public IReadOnlyList<SecurityKey> SigningKeys() =>
        [.. Host.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.SigningCredentials
            .Where(credentials => credentials.Key is AsymmetricSecurityKey)
            .Select(credentials => JsonWebKeyConverter.ConvertFromSecurityKey(credentials.Key))
            .Select(jwk => new JsonWebKey { Kty = jwk.Kty, Kid = jwk.Kid, N = jwk.N, E = jwk.E })];

    /// <summary>The token's stream id: by the hash of the reference the client holds.</summary>
    public async Task<string> StreamIdOfReferenceAsync(string reference)
    {
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(reference)));
        var issued = (await EventStoreReader.EventsOfTypeAsync(Postgres, "token_issued"))
            .Where(stored => stored.Data.GetProperty("referenceIdHash").GetString() == hash)
            .ToList();
        return Assert.Single(issued).StreamId;
    }
}

/// <param name="Code">The authorization code the client received.</param>
/// <param name="Verifier">The PKCE verifier whose S256 challenge the client sent.</param>
/// <param name="Nonce">The nonce the client sent.</param>
public sealed record Authorization(string Code, string Verifier, string Nonce);

/// <param name="Status">The HTTP status.</param>
/// <param name="Json">The JSON body.</param>
/// <param name="NoStore">Whether the answer said <c>Cache-Control: no-store</c>.</param>
/// <param name="Challenges">The schemes of its <c>WWW-Authenticate</c> headers.</param>
public sealed record TokenAnswer(HttpStatusCode Status, JsonElement Json, bool NoStore, IReadOnlyList<string> Challenges)
{
    public string? Error => Json.TryGetProperty("error", out var error) ? error.GetString() : null;

    public string Get(string name) => Json.GetProperty(name).GetString()!;

    public override string ToString() => $"{(int)Status} {Json}";
}
