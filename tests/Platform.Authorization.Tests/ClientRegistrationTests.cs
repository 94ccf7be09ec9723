using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>
/// <c>POST /admin/clients</c> as an operator's tooling calls it: only with a token carrying
/// <c>platform.admin</c>; the secret is shown once in the answer and only its hash is recorded; a bad
/// registration is told field by field; a taken client id is a conflict.
/// </summary>
public sealed class ClientRegistrationTests(AdministeredServiceFixture fixture) : IClassFixture<AdministeredServiceFixture>
{
    [Fact]
    public async Task Registration_WithoutToken_Answers401WithBearerChallenge()
    {
        using var http = fixture.CreateClient(bearer: null);

        using var response = await http.PostAsJsonAsync("admin/clients", new { clientId = $"erp-{Guid.NewGuid():N}" });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
    }

    [Fact]
    public async Task Registration_WithTokenLackingAdminScope_Answers403AndRegistersNothing()
    {
        var workerToken = await fixture.GetTokenAsync(fixture.Worker, AuthorizationServiceFixture.OrdersScope);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);
        using var http = fixture.CreateClient(workerToken);

        using var response = await http.PostAsJsonAsync("admin/clients", new { clientId = $"erp-{Guid.NewGuid():N}" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Fact]
    public async Task Registration_WithAdminToken_Answers201WithSecretAndRecordsOnlyItsHash()
    {
        var clientId = $"erp-{Guid.NewGuid():N}";
        using var http = fixture.CreateClient(await AdminTokenAsync());

        using var response = await http.PostAsJsonAsync("admin/clients", new { clientId, displayName = "ERP", scopes = new[] { AuthorizationServiceFixture.OrdersScope } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        Assert.Equal($"/admin/clients/{clientId}", response.Headers.Location?.OriginalString);
        Assert.True(response.Headers.CacheControl?.NoStore, "The answer holding the secret must not be cached.");
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(clientId, answer.GetProperty("client_id").GetString());
        var secret = answer.GetProperty("client_secret").GetString()!;
        Assert.True(secret.Length >= 43, "A generated secret carries 256 random bits.");

        var stream = await EventStoreReader.ClientStreamIdAsync(fixture.Postgres, clientId);
        Assert.NotNull(stream);
        var registered = Assert.Single(await EventStoreReader.EventsAsync(fixture.Postgres, stream));
        Assert.Equal("client_registered", registered.Type);
        Assert.Equal("ERP", registered.Data.GetProperty("displayName").GetString());
        Assert.Equal("sha256:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(secret))), registered.Data.GetProperty("secretHash").GetString());
        Assert.Contains("scp:" + AuthorizationServiceFixture.OrdersScope, registered.Data.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));

        Assert.DoesNotContain(secret, await EventStoreReader.AllEventDataAsync(fixture.Postgres), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, fixture.Host.Logs.Text, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> InvalidRegistrations => new()
    {
        { """{"clientId":"erp shop"}""", "clientId" },
        { """{"clientId":"ab"}""", "clientId" },
        { $$"""{"clientId":"{{new string('a', 101)}}"}""", "clientId" },
        { """{"grantTypes":["authorization_code"]}""", "redirectUris" },
        { """{"grantTypes":["client_credentials","password"]}""", "grantTypes" },
        { """{"grantTypes":["client_credentials"],"redirectUris":["https://shop.example/callback"]}""", "redirectUris" },
        { """{"redirectUris":["http://shop.example/callback"]}""", "redirectUris" },
        { """{"redirectUris":["https://shop.example/callback"],"postLogoutRedirectUris":["https://shop.example/#out"]}""", "postLogoutRedirectUris" },
        { """{"clientType":"public"}""", "grantTypes" },
        { """{"clientType":"secret"}""", "clientType" },
        { """{"redirectUris":["https://shop.example/callback"],"consentType":"never"}""", "consentType" },
        { """{"scopes":["orders read"]}""", "scopes" },
        { "null", "body" },
    };

    [Theory]
    [MemberData(nameof(InvalidRegistrations))]
    public async Task Registration_Invalid_Answers400ProblemNamingTheFieldAndRegistersNothing(string registration, string field)
    {
        // The token first: issuing it is an event of its own.
        using var http = fixture.CreateClient(await AdminTokenAsync());
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var response = await http.PostAsync("admin/clients", new StringContent(registration, Encoding.UTF8, "application/json"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        var error = Assert.Single(errors.EnumerateObject());
        Assert.Equal(field, error.Name);
        Assert.False(string.IsNullOrWhiteSpace(error.Value[0].GetString()));
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Theory]
    [InlineData("{\"clientId\":")]
    [InlineData("[1, 2]")]
    [InlineData("{\"scopes\":\"api\"}")]
    public async Task Registration_MalformedJson_Answers400ProblemAndRegistersNothing(string registration)
    {
        using var http = fixture.CreateClient(await AdminTokenAsync());
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var response = await http.PostAsync("admin/clients", new StringContent(registration, Encoding.UTF8, "application/json"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(400, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Fact]
    public async Task Registration_OfATakenClientId_Answers409AndKeepsTheFirst()
    {
        var clientId = $"erp-{Guid.NewGuid():N}";
        using var http = fixture.CreateClient(await AdminTokenAsync());
        using (var first = await http.PostAsJsonAsync("admin/clients", new { clientId }))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        using var second = await http.PostAsJsonAsync("admin/clients", new { clientId, displayName = "Someone else" });

        var body = await second.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("application/problem+json", second.Content.Headers.ContentType?.MediaType);
        Assert.Contains(clientId, JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("client_secret", body, StringComparison.Ordinal);
        var registrations = (await EventStoreReader.EventsOfTypeAsync(fixture.Postgres, "client_registered"))
            .Where(e => e.Data.GetProperty("clientId").GetString() == clientId);
        Assert.Equal(clientId, Assert.Single(registrations).Data.GetProperty("displayName").GetString());
    }

    private Task<string> AdminTokenAsync() => fixture.GetTokenAsync(fixture.Admin, AuthorizationServiceFixture.AdminScope);
}
