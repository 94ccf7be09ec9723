using System.Net;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The first token's whole journey, through the gateway only: registered client, token from the token
/// service, events in the store, relayed over RabbitMQ, projected, introspected, revoked.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FirstTokenTests(ClusterFixture fixture)
{
    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task ClientCredentialsToken_IntrospectedThenRevoked_TravelsEveryServiceAsEvents()
    {
        var client = await Cluster.RegisterClientAsync(new { clientId = $"shop-{Guid.NewGuid():N}", displayName = "Shop backend", scopes = new[] { "api" } });

        var token = await Cluster.GetTokenAsync(client, "api");

        var active = await Cluster.WaitForActiveAsync(token, active: true);
        Assert.Equal(client.Id, active.GetProperty("client_id").GetString());
        Assert.Equal("api", active.GetProperty("scope").GetString());
        Assert.Equal("Bearer", active.GetProperty("token_type").GetString());
        Assert.Equal(Cluster.Issuer.AbsoluteUri, active.GetProperty("iss").GetString());
        var issuedAt = active.GetProperty("iat").GetInt64();
        var expiresAt = active.GetProperty("exp").GetInt64();
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - issuedAt, -5, 60);
        Assert.True(expiresAt > issuedAt, "exp must be after iat");

        await RevokeAsync(client, token);
        var inactive = await Cluster.WaitForActiveAsync(token, active: false);
        Assert.Equal("""{"active":false}""", inactive.GetRawText());

        var tokenId = active.GetProperty("jti").GetString()!;
        var clientStream = await EventStoreReader.ClientStreamIdAsync(Cluster.Postgres, client.Id);
        Assert.NotNull(clientStream);
        Assert.Equal(["client_registered"], await EventStoreReader.EventTypesAsync(Cluster.Postgres, clientStream));
        Assert.Equal(["token_issued", "token_revoked"], await EventStoreReader.EventTypesAsync(Cluster.Postgres, tokenId));
    }

    [Fact]
    public async Task Discovery_ThroughGateway_ListsEndpointsThatAnswerUnderTheIssuer()
    {
        using var http = Cluster.CreateClient();
        var discovery = JsonDocument.Parse(await http.GetStringAsync(".well-known/openid-configuration")).RootElement;

        Assert.Equal(Cluster.Issuer.AbsoluteUri, discovery.GetProperty("issuer").GetString());
        foreach (var endpoint in new[] { "token_endpoint", "revocation_endpoint", "introspection_endpoint", "jwks_uri" })
        {
            var uri = new Uri(discovery.GetProperty(endpoint).GetString()!);
            Assert.StartsWith(Cluster.Issuer.AbsoluteUri, uri.AbsoluteUri, StringComparison.Ordinal);
            using var response = await http.SendAsync(new HttpRequestMessage(endpoint == "jwks_uri" ? HttpMethod.Get : HttpMethod.Post, uri));
            Assert.NotEqual(HttpStatusCode.NotFound, response.StatusCode);
            Assert.True((int)response.StatusCode < 500, $"{endpoint} answered {(int)response.StatusCode}");
        }

        Assert.Contains("client_credentials", discovery.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
        foreach (var endpoint in new[] { "token", "revocation", "introspection" })
        {
            var methods = discovery.GetProperty($"{endpoint}_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()).Order();
            Assert.Equal(["client_secret_basic", "client_secret_post"], methods);
        }

        var jwks = JsonDocument.Parse(await http.GetStringAsync(discovery.GetProperty("jwks_uri").GetString())).RootElement;
        Assert.NotEmpty(jwks.GetProperty("keys").EnumerateArray());
    }

    [Theory]
    [InlineData("connect/unknown")]
    [InlineData("metrics")]
    [InlineData("admin/keys")]
    public async Task PathOutsideRouteTable_ThroughGateway_Answers404(string path)
    {
        using var http = Cluster.CreateClient();
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task RevokeAsync((string Id, string Secret) client, string token)
    {
        using var http = Cluster.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/revoke")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token, ["token_type_hint"] = "access_token" }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
