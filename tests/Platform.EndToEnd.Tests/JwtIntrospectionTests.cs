using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// RFC 9068 JWT access tokens at the projection's introspection: a real token from the token service (client
/// registered with <c>accessTokenFormat</c> = <c>jwt</c>) is checked for its signature and then for revocation by
/// its id; forged, tampered and garbage JWTs are <c>{"active":false}</c>, never a 500.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JwtIntrospectionTests(ClusterFixture fixture)
{
    private const string Inactive = """{"active":false}""";

    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task JwtAccessToken_IntrospectedActiveWithTheFullAnswer_ThenInactiveOnceRevoked()
    {
        var client = await Cluster.RegisterClientAsync(new { clientId = $"jwt-shop-{Guid.NewGuid():N}", scopes = new[] { "api" }, introspection = true, accessTokenFormat = "jwt" });
        var token = await Cluster.GetTokenAsync(client, "api");
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Equal("at+jwt", Decode(parts[0])["typ"]!.GetValue<string>());
        var claims = Decode(parts[1]);
        var tokenId = claims["oi_tkn_id"]!.GetValue<string>();

        var active = await Cluster.WaitForActiveAsync(token, active: true);

        Assert.Equal(tokenId, active.GetProperty("jti").GetString());
        Assert.Equal(client.Id, active.GetProperty("client_id").GetString());
        Assert.Equal("api", active.GetProperty("scope").GetString());
        Assert.Equal("Bearer", active.GetProperty("token_type").GetString());
        Assert.Equal(Cluster.Issuer.AbsoluteUri, active.GetProperty("iss").GetString());
        Assert.Equal(claims["exp"]!.GetValue<long>(), active.GetProperty("exp").GetInt64());
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - active.GetProperty("iat").GetInt64(), -5, 60);
        Assert.True(active.TryGetProperty("nbf", out _));

        // The token's own client may introspect it; another introspecting client may not even learn it exists.
        var own = await Cluster.IntrospectAsync(token, client);
        Assert.True(own.GetProperty("active").GetBoolean());
        var stranger = await Cluster.RegisterClientAsync(new { clientId = $"jwt-stranger-{Guid.NewGuid():N}", introspection = true });
        Assert.Equal(Inactive, await IntrospectOnceKnownAsync(token, stranger));

        await RevokeAsync(client, token);

        // Its signature is still good and it has not expired: only the revocation by id makes it inactive.
        var inactive = await Cluster.WaitForActiveAsync(token, active: false, within: TimeSpan.FromSeconds(5));
        Assert.Equal(Inactive, inactive.GetRawText());
        Assert.Equal(["token_issued", "token_revoked"], await EventStoreReader.EventTypesAsync(Cluster.Postgres, tokenId));
    }

    [Fact]
    public async Task TamperedOrForeignSignedJwt_IsInactive()
    {
        var client = await Cluster.RegisterClientAsync(new { clientId = $"jwt-forge-{Guid.NewGuid():N}", scopes = new[] { "api" }, accessTokenFormat = "jwt" });
        var token = await Cluster.GetTokenAsync(client, "api");
        await Cluster.WaitForActiveAsync(token, active: true);
        var parts = token.Split('.');
        var header = Decode(parts[0]);
        var payload = Decode(parts[1]);

        // The same signature over a payload with another scope.
        var widened = payload.DeepClone().AsObject();
        widened["scope"] = "api platform.admin";
        var tampered = $"{parts[0]}.{Encode(widened)}.{parts[2]}";
        Assert.Equal(Inactive, (await Cluster.IntrospectAsync(tampered)).GetRawText());

        // The same header (kid of a real key) and claims, signed by a key Platform never made.
        using var foreign = RSA.Create(2048);
        var forged = Sign(header, payload, foreign);
        Assert.Equal(Inactive, (await Cluster.IntrospectAsync(forged)).GetRawText());

        // alg none, and HS256 keyed with the public key's bytes (key confusion).
        var none = header.DeepClone().AsObject();
        none["alg"] = "none";
        Assert.Equal(Inactive, (await Cluster.IntrospectAsync($"{Encode(none)}.{parts[1]}.")).GetRawText());
        Assert.Equal(Inactive, (await Cluster.IntrospectAsync($"{Encode(none)}.{parts[1]}.{parts[2]}")).GetRawText());
        var hs = header.DeepClone().AsObject();
        hs["alg"] = "HS256";
        var hsInput = $"{Encode(hs)}.{parts[1]}";
        var hsSignature = Base64Url.EncodeToString(HMACSHA256.HashData(foreign.ExportSubjectPublicKeyInfo(), Encoding.ASCII.GetBytes(hsInput)));
        Assert.Equal(Inactive, (await Cluster.IntrospectAsync($"{hsInput}.{hsSignature}")).GetRawText());

        // The genuine token is still active: nothing above touched it.
        Assert.True((await Cluster.IntrospectAsync(token)).GetProperty("active").GetBoolean());
    }

    [Theory]
    [InlineData("a.b.c")]
    [InlineData("...")]
    [InlineData("eyJ9.eyJ9.eyJ9")]
    [InlineData("eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJvaV90a25faWQiOiJ4In0.AAAA")]
    [InlineData("eyJhbGciOiJSUzI1NiIsImtpZCI6Ij8_Pz8ifQ.bm90IGpzb24.c2ln")]
    [InlineData("%%%.%%%.%%%")]
    [InlineData("a.b.c.d.e")]
    public async Task GarbageThreePartToken_IsInactiveNeverA500(string garbage)
    {
        using var http = Cluster.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = garbage }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(Cluster.Admin.Id, Cluster.Admin.Secret);
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Inactive, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetRawText());
    }

    /// <summary>Introspects as <paramref name="caller"/> once the projection knows the caller (its registration relayed).</summary>
    private async Task<string> IntrospectOnceKnownAsync(string token, (string Id, string Secret) caller)
    {
        using var http = Cluster.CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
            };
            request.Headers.Authorization = PlatformCluster.Basic(caller.Id, caller.Secret);
            using var response = await http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.Unauthorized || DateTime.UtcNow > deadline)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                return await response.Content.ReadAsStringAsync();
            }

            await Task.Delay(50);
        }
    }

    private static JsonObject Decode(string part) => JsonNode.Parse(Base64Url.DecodeFromChars(part))!.AsObject();

    private static string Encode(JsonObject json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static string Sign(JsonObject header, JsonObject payload, RSA key)
    {
        var input = $"{Encode(header)}.{Encode(payload)}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{input}.{Base64Url.EncodeToString(signature)}";
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
