using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The audit API through the gateway, as an auditor with a <c>platform.audit</c> token uses it: a token's
/// history, whether it was active at a time, a client's timeline, and who may ask.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AuditTests(ClusterFixture fixture)
{
    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task TokenHistory_IssuedThenRevoked_ListsBothWithReasonAndPointInTimeDiffers()
    {
        var client = await Cluster.RegisterClientAsync(new { clientId = $"shop-{Guid.NewGuid():N}", displayName = "Shop backend", scopes = new[] { "api" } });
        var token = await Cluster.GetTokenAsync(client, "api");
        var tokenId = (await Cluster.WaitForActiveAsync(token, active: true)).GetProperty("jti").GetString()!;
        await RevokeAsync(client, token);
        await Cluster.WaitForActiveAsync(token, active: false);

        var history = (await GetAsync($"audit/tokens/{tokenId}")).GetProperty("events").EnumerateArray().ToList();

        Assert.Equal(["token_issued", "token_revoked"], history.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("revocation_request", history[1].GetProperty("reason").GetString());
        Assert.Equal(client.Id, history[0].GetProperty("actor").GetProperty("id").GetString());
        // The revocation names who asked for it: the client that called /connect/revoke.
        Assert.Equal("client", history[1].GetProperty("actor").GetProperty("kind").GetString());
        Assert.Equal(client.Id, history[1].GetProperty("actor").GetProperty("id").GetString());
        Assert.Equal(client.Id, history[0].GetProperty("data").GetProperty("clientId").GetString());
        Assert.True(history[0].GetProperty("sequence").GetInt64() < history[1].GetProperty("sequence").GetInt64());
        Assert.DoesNotContain(token, string.Join('\n', history.Select(e => e.GetRawText())));

        var issuedAt = history[0].GetProperty("time").GetDateTimeOffset();
        var revokedAt = history[1].GetProperty("time").GetDateTimeOffset();
        var before = await GetAsync($"audit/tokens/{tokenId}/at?time={Rfc3339(issuedAt + (revokedAt - issuedAt) / 2)}");
        var after = await GetAsync($"audit/tokens/{tokenId}/at?time={Rfc3339(revokedAt.AddSeconds(1))}");
        var earlier = await GetAsync($"audit/tokens/{tokenId}/at?time={Rfc3339(issuedAt.AddSeconds(-1))}");

        Assert.True(before.GetProperty("active").GetBoolean());
        Assert.False(after.GetProperty("active").GetBoolean());
        Assert.Equal("revoked", after.GetProperty("reason").GetString());
        Assert.Equal("revocation_request", after.GetProperty("revocationReason").GetString());
        Assert.Equal(revokedAt, after.GetProperty("since").GetDateTimeOffset());
        Assert.Equal("not_issued_yet", earlier.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ClientTimeline_RegisteredClientWithTokens_ListsRegistrationThenTokenEventsInOrder()
    {
        var client = await Cluster.RegisterClientAsync(new { clientId = $"erp-{Guid.NewGuid():N}", displayName = "ERP", scopes = new[] { "api" } });
        var first = await Cluster.GetTokenAsync(client, "api");
        var second = await Cluster.GetTokenAsync(client, "api");
        await RevokeAsync(client, first);
        await Cluster.WaitForActiveAsync(first, active: false);

        var timeline = (await GetAsync($"audit/clients/{client.Id}/timeline")).GetProperty("events").EnumerateArray().ToList();

        Assert.Equal(["client_registered", "token_issued", "token_issued", "token_revoked"], timeline.Select(e => e.GetProperty("type").GetString()));
        var sequences = timeline.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.False(timeline[0].GetProperty("data").TryGetProperty("secretHash", out _));
        // The registration names the administration client whose token called POST /admin/clients.
        Assert.Equal("client", timeline[0].GetProperty("actor").GetProperty("kind").GetString());
        Assert.Equal(Cluster.Admin.Id, timeline[0].GetProperty("actor").GetProperty("id").GetString());
        Assert.Equal(timeline[1].GetProperty("streamId").GetString(), timeline[3].GetProperty("streamId").GetString());

        var paged = await GetAsync($"audit/clients/{client.Id}/timeline?limit=2");
        var rest = await GetAsync($"audit/clients/{client.Id}/timeline?limit=2&after={paged.GetProperty("next").GetInt64()}");
        Assert.Equal(sequences[..2], paged.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
        Assert.Equal(sequences[2..], rest.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
        GC.KeepAlive(second);
    }

    [Fact]
    public async Task Audit_WithoutOrWithBadToken_Answers401InvalidToken()
    {
        using var http = Cluster.CreateClient();
        using var missing = await http.GetAsync("audit/clients/demo-api/timeline");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.StartsWith("Bearer", missing.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        foreach (var bad in new[] { "garbage", await RevokedAuditTokenAsync() })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "audit/clients/demo-api/timeline");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bad);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Audit_TokenWithoutAuditScope_Answers403InsufficientScope()
    {
        var adminOnly = await Cluster.GetTokenAsync(Cluster.Admin, "platform.admin");
        await Cluster.WaitForActiveAsync(adminOnly, active: true);

        using var response = await SendAsync(adminOnly, "audit/clients/demo-api/timeline");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.Contains("error=\"insufficient_scope\"", challenge, StringComparison.Ordinal);
        Assert.Contains("scope=\"platform.audit\"", challenge, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("audit/tokens/not%20an%20id", "id")]
    [InlineData("audit/tokens/0190a000-0000-7000-8000-000000000000/at?time=yesterday", "time")]
    [InlineData("audit/clients/demo-api/timeline?limit=0", "limit")]
    [InlineData("audit/subjects/demo-api/timeline?after=-1", "after")]
    public async Task Audit_BadInput_Answers400NamingTheParameter(string path, string parameter)
    {
        using var response = await SendAsync(await AuditTokenAsync(), path);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(parameter, out _), body);
    }

    [Fact]
    public async Task TokenHistory_UnknownIdOrStreamOfAnotherKind_Answers404()
    {
        var auditor = await AuditTokenAsync();
        var clientStream = await EventStoreReader.ClientStreamIdAsync(Cluster.Postgres, Cluster.Api.Id);

        using var unknown = await SendAsync(auditor, $"audit/tokens/{Guid.CreateVersion7()}");
        using var otherKind = await SendAsync(auditor, $"audit/tokens/{clientStream}");
        using var client = await SendAsync(auditor, $"audit/clients/{clientStream}");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherKind.StatusCode);
        Assert.Equal(HttpStatusCode.OK, client.StatusCode);
        Assert.Equal("no-store", client.Headers.CacheControl?.ToString());
    }

    private async Task<string> AuditTokenAsync()
    {
        var token = await Cluster.GetTokenAsync(Cluster.Admin, "platform.audit");
        await Cluster.WaitForActiveAsync(token, active: true);
        return token;
    }

    private async Task<string> RevokedAuditTokenAsync()
    {
        var token = await AuditTokenAsync();
        await RevokeAsync(Cluster.Admin, token);
        await Cluster.WaitForActiveAsync(token, active: false);
        return token;
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await SendAsync(await AuditTokenAsync(), path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<HttpResponseMessage> SendAsync(string accessToken, string path)
    {
        using var http = Cluster.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        var response = await http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static string Rfc3339(DateTimeOffset time) =>
        Uri.EscapeDataString(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));

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
