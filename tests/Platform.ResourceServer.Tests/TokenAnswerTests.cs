using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Documents.Api.Documents;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Platform.ResourceServer.Tests;

/// <summary>
/// What a client of the documents API sees for each kind of token, against a real Platform: the answer tells it
/// whether to refresh (401 invalid_token), to give up (403 insufficient_scope) or that nothing was wrong (200).
/// </summary>
[Collection(ResourceServerCollection.Name)]
public sealed class TokenAnswerTests(ResourceServerFixture fixture)
{
    [Fact]
    public async Task ListDocuments_WithReadToken_Answers200WithTheDocuments()
    {
        using var api = fixture.StartApi();
        var token = await fixture.TokenAsync("documents.read");
        using var http = api.CreateClient(token);

        using var response = await http.GetAsync("/documents");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var documents = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.NotEqual(0, documents.GetArrayLength());
    }

    [Fact]
    public async Task CreateDocument_WithWriteToken_CreatesItUnderTheCallersNames()
    {
        using var api = fixture.StartApi();
        var token = await fixture.TokenAsync("documents.read documents.write");
        using var http = api.CreateClient(token);

        using var created = await http.PostAsJsonAsync("/documents", new { kind = "quote", title = "Standing desks", customer = "Globex", amount = 980.5m, currency = "EUR" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var document = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = document.GetProperty("id").GetString();

        using var read = await http.GetAsync($"/documents/{id}");
        var stored = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Standing desks", stored.GetProperty("title").GetString());
        Assert.Equal(fixture.Shop.Id, stored.GetProperty("createdVia").GetString());
        Assert.Equal(fixture.Shop.Id, stored.GetProperty("createdBy").GetString());

        using var updated = await http.PutAsJsonAsync($"/documents/{id}", new { kind = "order", title = "Standing desks", customer = "Globex", amount = 980.5m, currency = "EUR" });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(2, (await updated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task CreateDocument_WithReadOnlyToken_Answers403InsufficientScopeNamingDocumentsWrite()
    {
        using var api = fixture.StartApi();
        var token = await fixture.TokenAsync("documents.read");
        using var http = api.CreateClient(token);

        using var response = await http.PostAsJsonAsync("/documents", new { kind = "quote", title = "Forbidden quote" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var challenge = Challenge.Of(response.Headers);
        Assert.Equal("insufficient_scope", challenge["error"]);
        Assert.Equal("documents.write", challenge["scope"]);
        Assert.DoesNotContain(api.Services.GetRequiredService<DocumentStore>().List(null), d => d.Title == "Forbidden quote");
    }

    [Fact]
    public async Task ListDocuments_WithoutToken_Answers401WithoutErrorCodeAndPointsAtMetadata()
    {
        using var api = fixture.StartApi();
        using var http = api.CreateClient(token: null);

        using var response = await http.GetAsync("/documents");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Challenge.Of(response.Headers);
        Assert.False(challenge.ContainsKey("error"), "RFC 6750 §3.1: no error code when the request has no token.");
        Assert.Equal("http://localhost/.well-known/oauth-protected-resource", challenge["resource_metadata"]);
    }

    [Theory]
    [InlineData("Bearer", "no token")]
    [InlineData("Bearer not a token", "malformed")]
    [InlineData("Bearer ab\"cd", "malformed")]
    public async Task ListDocuments_WithMalformedToken_Answers401InvalidTokenSayingSo(string authorization, string says)
    {
        using var api = fixture.StartApi();
        using var http = api.CreateClient(token: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/documents");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Challenge.Of(response.Headers);
        Assert.Equal("invalid_token", challenge["error"]);
        Assert.Contains(says, challenge["error_description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListDocuments_WithUnknownToken_Answers401InvalidTokenNotActive()
    {
        using var api = fixture.StartApi();
        using var http = api.CreateClient(token: Platform.Testing.PlatformCluster.NewSecret());

        using var response = await http.GetAsync("/documents");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var challenge = Challenge.Of(response.Headers);
        Assert.Equal("invalid_token", challenge["error"]);
        Assert.Equal("The access token is not active (expired, revoked or unknown).", challenge["error_description"]);
    }

    [Fact]
    public async Task ListDocuments_WithCachedTokenPastItsExpiry_Answers401InvalidTokenExpired()
    {
        using var api = fixture.StartApi(new Dictionary<string, string?> { ["ResourceServer:CacheMaxAge"] = "00:10:00" });
        var token = await fixture.TokenAsync("documents.read");
        using var http = api.CreateClient(token);
        using (var first = await http.GetAsync("/documents"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var refused = await UntilStatusAsync(http, "/documents", HttpStatusCode.Unauthorized, ResourceServerFixture.AccessTokenLifetime * 3);

        var challenge = Challenge.Of(refused.Headers);
        Assert.Equal("invalid_token", challenge["error"]);
        Assert.StartsWith("The access token expired at ", challenge["error_description"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListDocuments_WithExpiredTokenNotCached_Answers401InvalidTokenNotActive()
    {
        using var api = fixture.StartApi(new Dictionary<string, string?> { ["ResourceServer:CacheMaxAge"] = "00:00:00" });
        var token = await fixture.TokenAsync("documents.read");
        await fixture.Cluster.WaitForActiveAsync(token, active: false, within: ResourceServerFixture.AccessTokenLifetime * 3);
        using var http = api.CreateClient(token);

        using var response = await http.GetAsync("/documents");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_token", Challenge.Of(response.Headers)["error"]);
    }

    [Fact]
    public async Task Metadata_DescribesTheApiAndItsAuthorizationServer()
    {
        using var api = fixture.StartApi();
        using var http = api.CreateClient(token: null);

        var metadata = await http.GetFromJsonAsync<JsonElement>("/.well-known/oauth-protected-resource");

        Assert.Equal("http://localhost", metadata.GetProperty("resource").GetString());
        Assert.Equal([fixture.Cluster.Issuer.AbsoluteUri], metadata.GetProperty("authorization_servers").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["documents.read", "documents.write"], metadata.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["header"], metadata.GetProperty("bearer_methods_supported").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task ListDocuments_WithClientSecretPostAndOnlyTheIssuer_FindsIntrospectionByDiscovery()
    {
        // Nothing Platform-specific: the issuer without its trailing slash, the API's id and secret, sent in the body.
        using var api = fixture.StartApi(new Dictionary<string, string?>
        {
            ["ResourceServer:Authority"] = fixture.Cluster.Issuer.AbsoluteUri.TrimEnd('/'),
            ["ResourceServer:ClientAuthentication"] = "ClientSecretPost",
        });
        var token = await fixture.TokenAsync("documents.read");
        using var http = api.CreateClient(token);

        using var response = await http.GetAsync("/documents");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Repeats a request until it gets <paramref name="status"/>; any other answer than that or 200 fails at once.</summary>
    internal static async Task<HttpResponseMessage> UntilStatusAsync(HttpClient http, string path, HttpStatusCode status, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var response = await http.GetAsync(path);
            if (response.StatusCode == status)
            {
                return response;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
            Assert.True(DateTime.UtcNow < deadline, $"Still not {status} after {within}.");
            await Task.Delay(200);
        }
    }
}
