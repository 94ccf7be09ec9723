using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using Platform.Testing;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Tests;

/// <summary>
/// <c>/admin/scopes</c> (a scope's resources become the <c>aud</c> of the tokens it is granted in),
/// <c>/admin/grants</c> (a user's or a client's grants; revoking one revokes its tokens) and
/// <c>/admin/tokens/{id}/revoke</c>, each change an event.
/// </summary>
public sealed class ScopeGrantTokenAdministrationTests(AdministeredServiceFixture fixture) : IClassFixture<AdministeredServiceFixture>
{
    [Fact]
    public async Task DefineScope_ThenShowListAndATokenForIt_CarriesItsResourcesAsAudiences()
    {
        using var http = await AdminAsync();
        var name = $"reports-{Guid.NewGuid():N}"[..20];

        using var response = await http.PostAsJsonAsync("admin/scopes", new { name, displayName = "Read reports", resources = new[] { "reports-api", "archive-api" } });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        var shown = await AuthorizationServiceFixture.GetJsonAsync(http, $"admin/scopes/{name}");
        Assert.Equal("Read reports", shown.GetProperty("displayName").GetString());
        Assert.Equal(["archive-api", "reports-api"], shown.GetProperty("resources").EnumerateArray().Select(r => r.GetString()).Order());
        Assert.Contains((await AuthorizationServiceFixture.GetJsonAsync(http, "admin/scopes")).EnumerateArray(), s => s.GetProperty("name").GetString() == name);
        Assert.Contains("scope_defined", (await EventStoreReader.EventsOfTypeAsync(fixture.Postgres, "scope_defined"))
            .Where(e => e.Data.GetProperty("name").GetString() == name).Select(e => e.Type));

        var client = await RegisterAsync(http, name);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);
        await fixture.WaitForTokenAnswerAsync(client, HttpStatusCode.OK, name);
        var issued = (await EventStoreReader.EventsAfterAsync(fixture.Postgres, before)).First(e => e.Type == "token_issued");
        Assert.Equal(["archive-api", "reports-api"], issued.Data.GetProperty("audiences").EnumerateArray().Select(a => a.GetString()).Order());
    }

    [Fact]
    public async Task DefineScope_Existing_Answers409()
    {
        using var http = await AdminAsync();

        using var response = await http.PostAsJsonAsync("admin/scopes", new { name = AuthorizationServiceFixture.OrdersScope, resources = Array.Empty<string>() });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"read reports"}""", "name")]
    [InlineData("""{"resources":["a"]}""", "name")]
    [InlineData("""{"name":"reports","resources":["reports api"]}""", "resources")]
    [InlineData("""{"name":"reports","resources":"reports-api"}""", "resources")]
    public async Task DefineScope_Invalid_Answers400NamingTheField(string request, string field)
    {
        using var http = await AdminAsync();
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var response = await http.PostAsync("admin/scopes", new StringContent(request, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, Assert.Single(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").EnumerateObject()).Name);
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Fact]
    public async Task ShowScope_Unknown_Answers404()
    {
        using var http = await AdminAsync();

        using var response = await http.GetAsync("admin/scopes/no-such-scope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("admin/grants")]
    [InlineData("admin/grants?subject=a&clientId=b")]
    public async Task ListGrants_WithoutExactlyOneFilter_Answers400(string path)
    {
        using var http = await AdminAsync();

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ListGrants_OfUnknownClient_Answers404()
    {
        using var http = await AdminAsync();

        using var response = await http.GetAsync("admin/grants?clientId=no-such-client");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task RevokeGrant_ListedBySubjectAndClient_RevokesItAndItsTokens()
    {
        using var http = await AdminAsync();
        var (clientId, _) = await RegisterAsync(http, AuthorizationServiceFixture.OrdersScope);
        var subject = $"user-{Guid.NewGuid():N}";
        var (grantId, tokenId) = await ApproveAsync(clientId, subject);

        var bySubject = await AuthorizationServiceFixture.GetJsonAsync(http, $"admin/grants?subject={subject}");
        var byClient = await AuthorizationServiceFixture.GetJsonAsync(http, $"admin/grants?clientId={clientId}");
        var listed = Assert.Single(bySubject.EnumerateArray());
        Assert.Equal(grantId, listed.GetProperty("id").GetString());
        Assert.Equal(clientId, listed.GetProperty("clientId").GetString());
        Assert.Equal(subject, listed.GetProperty("subject").GetString());
        Assert.Equal("valid", listed.GetProperty("status").GetString());
        Assert.Equal([AuthorizationServiceFixture.OrdersScope], listed.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(grantId, Assert.Single(byClient.EnumerateArray()).GetProperty("id").GetString());

        using var response = await http.DeleteAsync($"admin/grants/{grantId}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("grant_revoked", (await EventStoreReader.EventTypesAsync(fixture.Postgres, grantId))[^1]);
        var tokenRevoked = (await EventStoreReader.EventsAsync(fixture.Postgres, tokenId))[^1];
        Assert.Equal("token_revoked", tokenRevoked.Type);
        Assert.Equal("grant_revoked", tokenRevoked.Data.GetProperty("reason").GetString());
        Assert.Equal("revoked", Assert.Single((await AuthorizationServiceFixture.GetJsonAsync(http, $"admin/grants?subject={subject}")).EnumerateArray()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task RevokeGrant_Unknown_Answers404()
    {
        using var http = await AdminAsync();

        using var response = await http.DeleteAsync("admin/grants/no-such-grant");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task RevokeToken_ById_RecordsTokenRevokedByAnOperatorAndTwiceIsHarmless()
    {
        using var http = await AdminAsync();
        var client = await RegisterAsync(http, AuthorizationServiceFixture.OrdersScope);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);
        await fixture.WaitForTokenAnswerAsync(client, HttpStatusCode.OK, AuthorizationServiceFixture.OrdersScope);
        var tokenId = (await EventStoreReader.EventsAfterAsync(fixture.Postgres, before)).First(e => e.Type == "token_issued").StreamId;

        using var response = await http.PostAsync($"admin/tokens/{tokenId}/revoke", null);
        using var again = await http.PostAsync($"admin/tokens/{tokenId}/revoke", null);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        var revoked = Assert.Single(await EventStoreReader.EventsAsync(fixture.Postgres, tokenId), e => e.Type == "token_revoked");
        Assert.Equal("admin", revoked.Data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task RevokeToken_Unknown_Answers404()
    {
        using var http = await AdminAsync();

        using var response = await http.PostAsync("admin/tokens/no-such-token/revoke", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>A user's grant and an access token under it, through OpenIddict's managers as the authorize endpoint makes them.</summary>
    private async Task<(string GrantId, string TokenId)> ApproveAsync(string clientId, string subject)
    {
        await using var scope = fixture.Host.Services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var grants = scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        var applicationId = await applications.GetIdAsync((await applications.FindByClientIdAsync(clientId))!);
        var grant = await grants.CreateAsync(new OpenIddictAuthorizationDescriptor
        {
            ApplicationId = applicationId, Subject = subject, Status = Statuses.Valid, Type = AuthorizationTypes.Permanent,
            CreationDate = DateTimeOffset.UtcNow, Scopes = { AuthorizationServiceFixture.OrdersScope },
        });
        var grantId = (await grants.GetIdAsync(grant))!;
        var token = await tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            ApplicationId = applicationId, AuthorizationId = grantId, Subject = subject, Status = Statuses.Valid, Type = TokenTypeHints.AccessToken,
            CreationDate = DateTimeOffset.UtcNow, ExpirationDate = DateTimeOffset.UtcNow.AddMinutes(5),
        });
        return (grantId, (await tokens.GetIdAsync(token))!);
    }

    private async Task<HttpClient> AdminAsync() =>
        fixture.CreateClient(await fixture.GetTokenAsync(fixture.Admin, AuthorizationServiceFixture.AdminScope));

    private static async Task<(string Id, string Secret)> RegisterAsync(HttpClient http, string scope)
    {
        var clientId = $"app-{Guid.NewGuid():N}";
        using var response = await http.PostAsJsonAsync("admin/clients", new { clientId, scopes = new[] { scope } });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (clientId, body.GetProperty("client_secret").GetString()!);
    }
}
