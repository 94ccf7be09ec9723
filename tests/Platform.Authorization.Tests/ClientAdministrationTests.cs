using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.Identity.Clients;
using Platform.Testing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>
/// <c>/admin/clients/...</c> as an operator's tooling uses it: list and show without secrets, update under the
/// registration rules, rotate a secret (shown once, with an optional overlap), disable (the client's tokens
/// are revoked and it gets no new ones) and enable (new tokens again; the revoked ones stay revoked).
/// </summary>
public sealed class ClientAdministrationTests(AdministeredServiceFixture fixture) : IClassFixture<AdministeredServiceFixture>
{
    private const string Orders = AuthorizationServiceFixture.OrdersScope;

    [Theory]
    [InlineData("GET", "admin/clients")]
    [InlineData("GET", "admin/scopes")]
    [InlineData("GET", "admin/grants?subject=x")]
    [InlineData("POST", "admin/tokens/x/revoke")]
    public async Task AdminEndpoint_WithoutToken_Answers401WithBearerChallenge(string method, string path)
    {
        using var http = fixture.CreateClient(bearer: null);

        using var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
    }

    [Fact]
    public async Task AdminEndpoint_WithTokenLackingAdminScope_Answers403()
    {
        using var http = fixture.CreateClient(await fixture.GetTokenAsync(fixture.Worker, Orders));

        using var response = await http.GetAsync("admin/clients");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task ListAndShow_RegisteredClient_ShowRegistrationWithoutSecret()
    {
        using var http = await AdminAsync();
        var (clientId, secret) = await RegisterAsync(http, new { displayName = "Shop", scopes = new[] { Orders }, introspection = true, accessTokenLifetimeSeconds = 300 });

        var shown = await AuthorizationServiceFixture.GetJsonAsync(http, $"admin/clients/{clientId}");
        var listed = await AuthorizationServiceFixture.GetJsonAsync(http, "admin/clients");

        Assert.Equal(clientId, shown.GetProperty("clientId").GetString());
        Assert.Equal("Shop", shown.GetProperty("displayName").GetString());
        Assert.Equal("confidential", shown.GetProperty("clientType").GetString());
        Assert.Equal(["client_credentials"], Strings(shown, "grantTypes"));
        Assert.Equal([Orders], Strings(shown, "scopes"));
        Assert.True(shown.GetProperty("introspection").GetBoolean());
        Assert.True(shown.GetProperty("enabled").GetBoolean());
        Assert.Equal("opaque", shown.GetProperty("accessTokenFormat").GetString());
        Assert.Equal(300, shown.GetProperty("accessTokenLifetimeSeconds").GetInt32());
        Assert.Equal(JsonValueKind.Null, shown.GetProperty("refreshTokenLifetimeSeconds").ValueKind);
        Assert.Contains(listed.EnumerateArray(), client => client.GetProperty("clientId").GetString() == clientId);
        Assert.DoesNotContain(secret, shown.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sha256:", listed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_UnknownClient_Answers404Problem()
    {
        using var http = await AdminAsync();

        using var response = await http.GetAsync("admin/clients/no-such-client");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Update_RedirectUrisConsentAndLifetimes_AnswersTheNewClientAndRecordsClientUpdated()
    {
        using var http = await AdminAsync();
        var (clientId, _) = await RegisterAsync(http, new { grantTypes = new[] { "authorization_code" }, redirectUris = new[] { "https://shop.example/callback" } });

        using var response = await http.PatchAsJsonAsync($"admin/clients/{clientId}", new
        {
            redirectUris = new[] { "https://shop.example/signin", "http://127.0.0.1/callback" },
            consentType = "implicit",
            grantTypes = new[] { "authorization_code", "refresh_token" },
            scopes = new[] { "openid", "offline_access" },
            refreshTokenLifetimeSeconds = 86400,
        });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        var updated = JsonDocument.Parse(body).RootElement;
        Assert.Equal(["http://127.0.0.1/callback", "https://shop.example/signin"], Strings(updated, "redirectUris").Order(StringComparer.Ordinal));
        Assert.Equal("implicit", updated.GetProperty("consentType").GetString());
        Assert.Equal(86400, updated.GetProperty("refreshTokenLifetimeSeconds").GetInt32());
        Assert.Equal(updated.ToString(), (await AuthorizationServiceFixture.GetJsonAsync(http, $"admin/clients/{clientId}")).ToString());
        var stream = (await EventStoreReader.ClientStreamIdAsync(fixture.Postgres, clientId))!;
        var last = (await EventStoreReader.EventsAsync(fixture.Postgres, stream))[^1];
        Assert.Equal("client_updated", last.Type);
        Assert.Contains("https://shop.example/signin", last.Data.GetProperty("redirectUris").EnumerateArray().Select(uri => uri.GetString()));
    }

    public static TheoryData<string, string> InvalidUpdates => new()
    {
        { """{"redirectUris":["http://shop.example/callback"]}""", "redirectUris" },
        { """{"grantTypes":["client_credentials"]}""", "redirectUris" },
        { """{"grantTypes":"authorization_code"}""", "grantTypes" },
        { """{"clientType":"public"}""", "clientType" },
        { """{"accessTokenLifetimeSeconds":0}""", "accessTokenLifetimeSeconds" },
        { """{"consentType":"never"}""", "consentType" },
        { """{"colour":"red"}""", "colour" },
        { "[]", "body" },
    };

    [Theory]
    [MemberData(nameof(InvalidUpdates))]
    public async Task Update_Invalid_Answers400NamingTheFieldAndRecordsNothing(string patch, string field)
    {
        using var http = await AdminAsync();
        var (clientId, _) = await RegisterAsync(http, new { grantTypes = new[] { "authorization_code" }, redirectUris = new[] { "https://shop.example/callback" } });
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var response = await http.PatchAsync($"admin/clients/{clientId}", new StringContent(patch, Encoding.UTF8, "application/json"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        var error = Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateObject());
        Assert.Equal(field, error.Name);
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Fact]
    public async Task Update_HttpRedirectUriOnAPublicHost_SaysToUseHttps()
    {
        using var http = await AdminAsync();
        var (clientId, _) = await RegisterAsync(http, new { grantTypes = new[] { "authorization_code" }, redirectUris = new[] { "https://shop.example/callback" } });

        using var response = await http.PatchAsJsonAsync($"admin/clients/{clientId}", new { redirectUris = new[] { "http://shop.example/callback" } });

        var why = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").GetProperty("redirectUris")[0].GetString();
        Assert.Contains("not loopback", why, StringComparison.Ordinal);
        Assert.Contains("https", why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateSecret_WithoutOverlap_NewSecretWorksOldStopsAndOnlyTheHashIsRecorded()
    {
        using var http = await AdminAsync();
        var (clientId, oldSecret) = await RegisterAsync(http, new { scopes = new[] { Orders } });
        await fixture.WaitForTokenAnswerAsync((clientId, oldSecret), HttpStatusCode.OK);

        using var response = await http.PostAsync($"admin/clients/{clientId}/secret", null);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        Assert.True(response.Headers.CacheControl?.NoStore);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(clientId, answer.GetProperty("client_id").GetString());
        var newSecret = answer.GetProperty("client_secret").GetString()!;
        Assert.NotEqual(oldSecret, newSecret);
        await fixture.WaitForTokenAnswerAsync((clientId, newSecret), HttpStatusCode.OK);
        var refused = await fixture.WaitForTokenAnswerAsync((clientId, oldSecret), HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_client", refused.GetProperty("error").GetString());

        var stream = (await EventStoreReader.ClientStreamIdAsync(fixture.Postgres, clientId))!;
        var rotated = (await EventStoreReader.EventsAsync(fixture.Postgres, stream))[^1];
        Assert.Equal("client_secret_rotated", rotated.Type);
        Assert.Equal(ClientSecrets.Hash(newSecret), rotated.Data.GetProperty("secretHash").GetString());
        Assert.DoesNotContain(newSecret, await EventStoreReader.AllEventDataAsync(fixture.Postgres), StringComparison.Ordinal);
        Assert.DoesNotContain(newSecret, fixture.Host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateSecret_WithOverlap_BothSecretsWorkUntilTheOverlapEnds()
    {
        using var http = await AdminAsync();
        var (clientId, oldSecret) = await RegisterAsync(http, new { scopes = new[] { Orders } });

        using var response = await http.PostAsJsonAsync($"admin/clients/{clientId}/secret", new { overlapSeconds = 3600 });

        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var newSecret = answer.GetProperty("client_secret").GetString()!;
        var until = answer.GetProperty("previous_secret_valid_until").GetDateTimeOffset();
        Assert.InRange(until, DateTimeOffset.UtcNow.AddMinutes(59), DateTimeOffset.UtcNow.AddMinutes(61));
        await fixture.WaitForTokenAnswerAsync((clientId, newSecret), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.OK, (await fixture.RequestTokenAsync((clientId, oldSecret))).Status);
        var shown = await AuthorizationServiceFixture.GetJsonAsync(http, $"admin/clients/{clientId}");
        Assert.Equal(until, shown.GetProperty("previousSecretValidUntil").GetDateTimeOffset());
        var stream = (await EventStoreReader.ClientStreamIdAsync(fixture.Postgres, clientId))!;
        var rotated = (await EventStoreReader.EventsAsync(fixture.Postgres, stream))[^1];
        Assert.Equal(until, rotated.Data.GetProperty("previousSecretValidUntil").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("""{"overlapSeconds":-1}""", "overlapSeconds")]
    [InlineData("""{"overlapSeconds":"1h"}""", "overlapSeconds")]
    [InlineData("""{"overlap":60}""", "overlap")]
    public async Task RotateSecret_BadOverlap_Answers400NamingTheField(string request, string field)
    {
        using var http = await AdminAsync();
        var (clientId, _) = await RegisterAsync(http, new { scopes = new[] { Orders } });

        using var response = await http.PostAsync($"admin/clients/{clientId}/secret", new StringContent(request, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, Assert.Single(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").EnumerateObject()).Name);
    }

    [Fact]
    public async Task RotateSecret_PublicClient_Answers400()
    {
        using var http = await AdminAsync();
        using var registered = await http.PostAsJsonAsync("admin/clients", new
        {
            clientType = "public", grantTypes = new[] { "authorization_code" }, redirectUris = new[] { "http://127.0.0.1/callback" },
        });
        var clientId = JsonDocument.Parse(await registered.Content.ReadAsStringAsync()).RootElement.GetProperty("client_id").GetString();

        using var response = await http.PostAsync($"admin/clients/{clientId}/secret", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task DisableThenEnable_RevokesTokensForGoodAndRefusesNewOnesOnlyWhileDisabled()
    {
        using var http = await AdminAsync();
        var (clientId, secret) = await RegisterAsync(http, new { scopes = new[] { Orders } });
        await fixture.WaitForTokenAnswerAsync((clientId, secret), HttpStatusCode.OK, Orders);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var disable = await http.PostAsJsonAsync($"admin/clients/{clientId}/disable", new { reason = "compromised" });

        var disabled = JsonDocument.Parse(await disable.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.False(disabled.GetProperty("enabled").GetBoolean());
        var events = await EventStoreReader.EventsAfterAsync(fixture.Postgres, before);
        var disabledEvent = Assert.Single(events, e => e.Type == "client_disabled");
        Assert.Equal("compromised", disabledEvent.Data.GetProperty("reason").GetString());
        var revoked = events.Where(e => e.Type == "token_revoked").ToList();
        Assert.NotEmpty(revoked);
        Assert.All(revoked, e => Assert.Equal("client_disabled", e.Data.GetProperty("reason").GetString()));
        var refused = await fixture.WaitForTokenAnswerAsync((clientId, secret), HttpStatusCode.Unauthorized, Orders);
        Assert.Equal("invalid_client", refused.GetProperty("error").GetString());

        var beforeEnable = await EventStoreReader.LastSequenceAsync(fixture.Postgres);
        using var enable = await http.PostAsync($"admin/clients/{clientId}/enable", null);

        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        Assert.True(JsonDocument.Parse(await enable.Content.ReadAsStringAsync()).RootElement.GetProperty("enabled").GetBoolean());
        Assert.Equal(["client_enabled"], (await EventStoreReader.EventsAfterAsync(fixture.Postgres, beforeEnable)).Select(e => e.Type));
        await fixture.WaitForTokenAnswerAsync((clientId, secret), HttpStatusCode.OK, Orders);
        foreach (var token in revoked)
        {
            Assert.Equal("token_revoked", (await EventStoreReader.EventsAsync(fixture.Postgres, token.StreamId))[^1].Type);
        }
    }

    [Fact]
    public async Task Disable_Twice_RecordsOneDisable()
    {
        using var http = await AdminAsync();
        var (clientId, _) = await RegisterAsync(http, new { scopes = new[] { Orders } });
        using (var first = await http.PostAsync($"admin/clients/{clientId}/disable", null))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);
        using var second = await http.PostAsync($"admin/clients/{clientId}/disable", null);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    private async Task<HttpClient> AdminAsync() =>
        fixture.CreateClient(await fixture.GetTokenAsync(fixture.Admin, AuthorizationServiceFixture.AdminScope));

    private static async Task<(string Id, string Secret)> RegisterAsync(HttpClient http, object registration)
    {
        var clientId = $"app-{Guid.NewGuid():N}";
        var body = JsonSerializer.SerializeToElement(registration, JsonSerializerOptions.Web);
        var withId = body.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value);
        withId["clientId"] = clientId;
        using var response = await http.PostAsJsonAsync("admin/clients", withId);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {text}");
        var answer = JsonDocument.Parse(text).RootElement;
        return (clientId, answer.TryGetProperty("client_secret", out var secret) ? secret.GetString()! : "");
    }

    private static string[] Strings(JsonElement element, string name) =>
        [.. element.GetProperty(name).EnumerateArray().Select(item => item.GetString()!)];
}
