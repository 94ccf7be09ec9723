using System.Net;
using Npgsql;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>
/// What a client library reads before anything else: the discovery document, naming the one issuer and
/// every endpoint under it, and the key set to check signatures with, holding the shared public key only.
/// </summary>
public sealed class DiscoveryTests(AuthorizationServiceFixture fixture) : IClassFixture<AuthorizationServiceFixture>
{
    private static readonly Uri Issuer = Platform.Testing.ServiceHost<Program>.Issuer;

    [Fact]
    public async Task DiscoveryDocument_Fetched_NamesIssuerEndpointsAndKeySet()
    {
        using var http = fixture.CreateClient();

        var discovery = await AuthorizationServiceFixture.GetJsonAsync(http, ".well-known/openid-configuration");

        Assert.Equal(Issuer.AbsoluteUri, discovery.GetProperty("issuer").GetString());
        Assert.Equal(new Uri(Issuer, "connect/token").AbsoluteUri, discovery.GetProperty("token_endpoint").GetString());
        Assert.Equal(new Uri(Issuer, "connect/revoke").AbsoluteUri, discovery.GetProperty("revocation_endpoint").GetString());
        Assert.Equal(new Uri(Issuer, "connect/introspect").AbsoluteUri, discovery.GetProperty("introspection_endpoint").GetString());
        Assert.Equal(new Uri(Issuer, ".well-known/jwks").AbsoluteUri, discovery.GetProperty("jwks_uri").GetString());
        Assert.Contains("client_credentials", discovery.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task DiscoveryDocument_Fetched_AdvertisesExactlyWhatWorks()
    {
        using var http = fixture.CreateClient();

        var discovery = await AuthorizationServiceFixture.GetJsonAsync(http, ".well-known/openid-configuration");

        string[] Values(string name) => discovery.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).Order().ToArray();
        Assert.Equal(new Uri(Issuer, "connect/authorize").AbsoluteUri, discovery.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(new Uri(Issuer, "connect/endsession").AbsoluteUri, discovery.GetProperty("end_session_endpoint").GetString());
        Assert.Equal(new Uri(Issuer, "connect/userinfo").AbsoluteUri, discovery.GetProperty("userinfo_endpoint").GetString());
        Assert.Equal(["S256"], Values("code_challenge_methods_supported"));
        Assert.Equal(["authorization_code", "client_credentials", "implicit", "refresh_token"], Values("grant_types_supported"));
        Assert.Equal(["code", "id_token", "id_token token", "token"], Values("response_types_supported"));
        Assert.Equal(["consent", "login", "none"], Values("prompt_values_supported"));
        Assert.Equal(["email", "offline_access", "openid", "profile"], Values("scopes_supported"));
        Assert.Equal(["client_secret_basic", "client_secret_post"], Values("token_endpoint_auth_methods_supported"));
        foreach (var claim in new[] { "sub", "name", "preferred_username", "email" })
        {
            Assert.Contains(claim, Values("claims_supported"));
        }
    }

    [Fact]
    public async Task AuthorizationServerMetadata_Fetched_NamesTheSameIssuerAndEndpoints()
    {
        using var http = fixture.CreateClient();

        var metadata = await AuthorizationServiceFixture.GetJsonAsync(http, ".well-known/oauth-authorization-server");

        Assert.Equal(Issuer.AbsoluteUri, metadata.GetProperty("issuer").GetString());
        Assert.Equal(new Uri(Issuer, "connect/token").AbsoluteUri, metadata.GetProperty("token_endpoint").GetString());
        Assert.Equal(new Uri(Issuer, ".well-known/jwks").AbsoluteUri, metadata.GetProperty("jwks_uri").GetString());
    }

    [Fact]
    public async Task KeySet_Fetched_HoldsOnePublicRsaSigningKey_TheStoredOne()
    {
        using var http = fixture.CreateClient();

        var jwks = await AuthorizationServiceFixture.GetJsonAsync(http, ".well-known/jwks");

        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.Equal("sig", key.GetProperty("use").GetString());
        Assert.Equal("RS256", key.GetProperty("alg").GetString());
        Assert.False(string.IsNullOrEmpty(key.GetProperty("n").GetString()));
        Assert.False(string.IsNullOrEmpty(key.GetProperty("e").GetString()));
        foreach (var privatePart in new[] { "d", "p", "q", "dp", "dq", "qi", "k" })
        {
            Assert.False(key.TryGetProperty(privatePart, out _), $"The key set publishes the private parameter '{privatePart}'.");
        }

        Assert.Equal(await StoredSigningKeyIdsAsync(fixture.Postgres), [key.GetProperty("kid").GetString()!]);
    }

    [Theory]
    [InlineData("connect/token")]
    [InlineData("connect/revoke")]
    [InlineData("connect/introspect")]
    public async Task EndpointOfAnotherService_SentStraightToAuthorizationService_Answers404(string path)
    {
        using var http = fixture.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["token"] = "abc" }),
        };
        request.Headers.Authorization = Platform.Testing.PlatformCluster.Basic(fixture.Admin.Id, fixture.Admin.Secret);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>The ids of the signing keys in the key table, where every service reads them from.</summary>
    public static async Task<IReadOnlyList<string>> StoredSigningKeyIdsAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM platform.keys WHERE use = 'sig'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
