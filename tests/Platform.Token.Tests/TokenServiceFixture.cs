using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Platform.Testing;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Token.Tests;

/// <summary>
/// The token service on a database of its own, with one confidential client allowed the client_credentials
/// grant and the <c>orders</c> scope (whose resources are two APIs), created through the service's own
/// OpenIddict managers the way the authorization service would register them.
/// </summary>
public class TokenServiceFixture : IAsyncLifetime
{
    private readonly bool ownBroker;
    private PrivateRabbitMq? broker;

    public TokenServiceFixture() : this(ownBroker: false)
    {
    }

    protected TokenServiceFixture(bool ownBroker) => this.ownBroker = ownBroker;

    public const string Scope = "orders";
    public static readonly string[] ScopeResources = ["orders-api", "invoices-api"];

    /// <summary>Set on the host, so the issued token's lifetime shows the setting reached OpenIddict.</summary>
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(7);

    public string Postgres { get; private set; } = "";
    public string RabbitMq { get; private set; } = "";
    public ServiceHost<Program> Host { get; private set; } = null!;
    public (string Id, string Secret) Client { get; } = ($"shop-{Guid.NewGuid():N}", PlatformCluster.NewSecret());

    public async Task InitializeAsync()
    {
        RabbitMq = ownBroker ? (broker = await PrivateRabbitMq.StartAsync()).Uri : await TestServers.RabbitMqAsync();
        Postgres = await TestServers.CreateDatabaseAsync("token");
        Host = new ServiceHost<Program>(Postgres, RabbitMq, $"token-tests-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            ["Platform:Tokens:AccessTokenLifetime"] = AccessTokenLifetime.ToString("c"),
        });
        Host.StartServer();

        await using var scope = Host.Services.CreateAsyncScope();
        var scopes = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        var scopeDescriptor = new OpenIddictScopeDescriptor { Name = Scope, DisplayName = "Read and place orders" };
        scopeDescriptor.Resources.UnionWith(ScopeResources);
        await scopes.CreateAsync(scopeDescriptor);

        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        await applications.CreateAsync(new OpenIddictApplicationDescriptor
        {
            ClientId = Client.Id,
            ClientSecret = Client.Secret,
            ClientType = ClientTypes.Confidential,
            DisplayName = "Shop backend",
            Permissions =
            {
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.ClientCredentials,
                Permissions.Prefixes.Scope + Scope,
            },
        });
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        if (broker is not null)
        {
            await broker.DisposeAsync();
        }
    }

    public HttpClient CreateClient() => Host.CreateClient();

    /// <summary>A client_credentials token for the fixture's client, as a client library would ask for it.</summary>
    public async Task<IssuedToken> RequestTokenAsync(string scope = Scope)
    {
        using var http = CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(Client.Id, Client.Secret);
        var requestedAt = DateTimeOffset.UtcNow;
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Token request failed: {(int)response.StatusCode} {body}");
        var json = JsonDocument.Parse(body).RootElement;
        return new IssuedToken(json.GetProperty("access_token").GetString()!, json.GetProperty("expires_in").GetInt32(), requestedAt, DateTimeOffset.UtcNow);
    }

    /// <summary>Revokes a token at <c>/connect/revoke</c> as the client (RFC 7009) and returns the status code.</summary>
    public async Task<int> RevokeAsync(string token)
    {
        using var http = CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["token_type_hint"] = "access_token" }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(Client.Id, Client.Secret);
        using var response = await http.SendAsync(request);
        return (int)response.StatusCode;
    }

    /// <summary>The token's stream id, found the way introspection finds a token: by the hash of what the client holds.</summary>
    /// <summary>Requests <paramref name="count"/> tokens at once; returns them with their <c>token_issued</c> events, in store order.</summary>
    public async Task<(IssuedToken[] Tokens, IReadOnlyList<StoredEvent> Issued)> IssueBurstAsync(int count)
    {
        var before = await EventStoreReader.LastSequenceAsync(Postgres);
        var tokens = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => RequestTokenAsync()));
        var ours = tokens.Select(token => token.ReferenceIdHash).ToHashSet();
        var issued = (await EventStoreReader.EventsAfterAsync(Postgres, before))
            .Where(e => e.Type == "token_issued" && ours.Contains(e.Data.GetProperty("referenceIdHash").GetString()!))
            .ToList();
        Assert.Equal(count, issued.Count);
        return (tokens, issued);
    }

    public async Task<string> StreamIdOfAsync(IssuedToken token)
    {
        var issued = (await EventStoreReader.EventsOfTypeAsync(Postgres, "token_issued"))
            .Where(stored => stored.Data.GetProperty("referenceIdHash").GetString() == token.ReferenceIdHash)
            .ToList();
        return Assert.Single(issued).StreamId;
    }
}

/// <summary>The token service on a RabbitMQ of its own, where nothing binds a queue unless the test does.</summary>
public sealed class TokenServiceOnOwnBrokerFixture() : TokenServiceFixture(ownBroker: true);

/// <param name="AccessToken">What the client received.</param>
/// <param name="ExpiresIn">The <c>expires_in</c> of the answer, in seconds.</param>
/// <param name="RequestedAt">Just before the request.</param>
/// <param name="AnsweredAt">Just after the answer.</param>
public sealed record IssuedToken(string AccessToken, int ExpiresIn, DateTimeOffset RequestedAt, DateTimeOffset AnsweredAt)
{
    /// <summary>base64(SHA-256(UTF-8(token))): what the store may keep of a reference token.</summary>
    public string ReferenceIdHash => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(AccessToken)));
}
