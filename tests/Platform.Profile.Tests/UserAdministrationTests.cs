using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Platform.Profile.Users;
using Platform.Testing;
using Xunit;

namespace Platform.Profile.Tests;

/// <summary>
/// <c>/admin/users/...</c> with an access token carrying <c>platform.admin</c>: create (a generated password is
/// shown once), list, show, update, reset the password (the user signs in with the new one), disable (no
/// sign-in, tokens revoked with reason <c>user_disabled</c>), enable, unlock; every change an event, no
/// password in any event or log.
/// </summary>
public sealed class UserAdministrationTests(SignInFixture fixture) : IClassFixture<SignInFixture>
{
    [Fact]
    public async Task Users_WithoutToken_Answers401WithBearerChallenge()
    {
        using var http = fixture.Host.CreateClient();

        using var response = await http.GetAsync("/admin/users");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
    }

    [Fact]
    public async Task Users_WithTokenLackingAdminScope_Answers403()
    {
        using var http = fixture.Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await fixture.AccessTokenAsync("ada", "openid"));

        using var response = await http.GetAsync("/admin/users");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Create_WithoutPassword_ShowsTheGeneratedPasswordOnceAndTheUserSignsInWithIt()
    {
        using var http = await AdminAsync();
        var username = NewName();

        using var response = await http.PostAsJsonAsync("/admin/users", new { username, email = $"{username}@example.com", name = "Hedy Lamarr" });

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        Assert.True(response.Headers.CacheControl?.NoStore);
        var created = JsonDocument.Parse(body).RootElement;
        var password = created.GetProperty("password").GetString()!;
        Assert.True(password.Length >= 12);
        Assert.Equal(username, created.GetProperty("username").GetString());
        Assert.Equal("Hedy Lamarr", created.GetProperty("name").GetString());
        Assert.True(created.GetProperty("enabled").GetBoolean());
        Assert.False(created.GetProperty("lockedOut").GetBoolean());
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal($"/admin/users/{id}", response.Headers.Location?.OriginalString);

        var shown = await GetJsonAsync(http, $"/admin/users/{username}");
        Assert.Equal(id, shown.GetProperty("id").GetString());
        Assert.False(shown.TryGetProperty("password", out _));
        Assert.Contains((await GetJsonAsync(http, "/admin/users")).EnumerateArray(), user => user.GetProperty("id").GetString() == id);
        Assert.Equal(["user_registered", "user_profile_updated"], await EventStoreReader.EventTypesAsync(fixture.Postgres, id));
        using var signIn = await SignInFixture.PostLoginAsync(fixture.Browser(), username, password);
        Assert.True(SignInFixture.SetsSessionCookie(signIn));
        Assert.DoesNotContain(password, await EventStoreReader.AllEventDataAsync(fixture.Postgres), StringComparison.Ordinal);
        Assert.DoesNotContain(password, fixture.Host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithPassword_AnswersWithoutPasswordAndHashesIt()
    {
        using var http = await AdminAsync();
        var username = NewName();
        var password = PlatformCluster.NewSecret();

        using var response = await http.PostAsJsonAsync("/admin/users", new { username, password });

        var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(created.TryGetProperty("password", out _));
        var credential = await CredentialAsync(created.GetProperty("id").GetString()!);
        Assert.NotEqual(PasswordVerificationResult.Failed,
            new PasswordHasher<UserAccount>().VerifyHashedPassword(new UserAccount { Id = "x", UserName = username }, credential.PasswordHash, password));
    }

    public static TheoryData<string, string> InvalidUsers => new()
    {
        { """{"username":"a b"}""", "username" },
        { """{"email":"x@example.com"}""", "username" },
        { """{"username":"valid-name","email":"not-an-address"}""", "email" },
        { """{"username":"valid-name","password":"short"}""", "password" },
        { """{"username":"valid-name","role":"admin"}""", "role" },
        { """{"username":42}""", "username" },
        { "[]", "body" },
    };

    [Theory]
    [MemberData(nameof(InvalidUsers))]
    public async Task Create_Invalid_Answers400NamingTheFieldAndRecordsNothing(string request, string field)
    {
        using var http = await AdminAsync();
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var response = await http.PostAsync("/admin/users", new StringContent(request, Encoding.UTF8, "application/json"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(field, Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateObject()).Name);
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Fact]
    public async Task Create_TakenUsername_Answers409()
    {
        using var http = await AdminAsync();

        using var response = await http.PostAsJsonAsync("/admin/users", new { username = "ada" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Show_UnknownUser_Answers404()
    {
        using var http = await AdminAsync();

        using var response = await http.GetAsync("/admin/users/nobody-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Update_EmailAndName_RecordsUserProfileUpdated()
    {
        using var http = await AdminAsync();
        var id = await CreateAsync(http);

        using var response = await http.PatchAsJsonAsync($"/admin/users/{id}", new { email = "new@example.com", name = "New Name" });

        var updated = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("new@example.com", updated.GetProperty("email").GetString());
        Assert.Equal("New Name", updated.GetProperty("name").GetString());
        Assert.Equal("user_profile_updated", (await EventStoreReader.EventTypesAsync(fixture.Postgres, id))[^1]);

        using var bad = await http.PatchAsJsonAsync($"/admin/users/{id}", new { email = "nope" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task ResetPassword_Generated_OldPasswordStopsNewOneSignsIn()
    {
        using var http = await AdminAsync();
        var (id, username, oldPassword) = await CreateWithPasswordAsync(http);

        using var response = await http.PostAsync($"/admin/users/{id}/password", null);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        var password = JsonDocument.Parse(body).RootElement.GetProperty("password").GetString()!;
        using (var refused = await SignInFixture.PostLoginAsync(fixture.Browser(), username, oldPassword))
        {
            Assert.False(SignInFixture.SetsSessionCookie(refused));
        }

        using var signIn = await SignInFixture.PostLoginAsync(fixture.Browser(), username, password);
        Assert.True(SignInFixture.SetsSessionCookie(signIn));
        var changed = (await EventStoreReader.EventsAsync(fixture.Postgres, id)).Single(e => e.Type == "user_password_changed");
        Assert.Equal("admin", changed.Data.GetProperty("changedBy").GetString());
        Assert.DoesNotContain(password, await EventStoreReader.AllEventDataAsync(fixture.Postgres), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResetPassword_Given_Answers204AndTheUserSignsInWithIt()
    {
        using var http = await AdminAsync();
        var (id, username, _) = await CreateWithPasswordAsync(http);
        var password = PlatformCluster.NewSecret();

        using var response = await http.PostAsJsonAsync($"/admin/users/{id}/password", new { password });

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using var signIn = await SignInFixture.PostLoginAsync(fixture.Browser(), username, password);
        Assert.True(SignInFixture.SetsSessionCookie(signIn));
        using var tooShort = await http.PostAsJsonAsync($"/admin/users/{id}/password", new { password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
    }

    [Fact]
    public async Task DisableThenEnable_RevokesTheUsersTokensForGoodAndBlocksSignInOnlyWhileDisabled()
    {
        using var http = await AdminAsync();
        var (id, username, password) = await CreateWithPasswordAsync(http);
        var token = await fixture.AccessTokenForAsync(id, "openid");
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var disable = await http.PostAsJsonAsync($"/admin/users/{id}/disable", new { reason = "left the company" });

        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.False(JsonDocument.Parse(await disable.Content.ReadAsStringAsync()).RootElement.GetProperty("enabled").GetBoolean());
        var events = await EventStoreReader.EventsAfterAsync(fixture.Postgres, before);
        Assert.Equal("left the company", Assert.Single(events, e => e.Type == "user_disabled").Data.GetProperty("reason").GetString());
        var revoked = Assert.Single(events, e => e.Type == "token_revoked");
        Assert.Equal("user_disabled", revoked.Data.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await UserInfoAsync(token)).StatusCode);
        using (var refused = await SignInFixture.PostLoginAsync(fixture.Browser(), username, password))
        {
            Assert.False(SignInFixture.SetsSessionCookie(refused));
        }

        using var enable = await http.PostAsync($"/admin/users/{id}/enable", null);

        Assert.True(JsonDocument.Parse(await enable.Content.ReadAsStringAsync()).RootElement.GetProperty("enabled").GetBoolean());
        Assert.Equal("user_enabled", (await EventStoreReader.EventTypesAsync(fixture.Postgres, id))[^1]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await UserInfoAsync(token)).StatusCode);
        using var signIn = await SignInFixture.PostLoginAsync(fixture.Browser(), username, password);
        Assert.True(SignInFixture.SetsSessionCookie(signIn));
    }

    [Fact]
    public async Task Unlock_LockedOutUser_SignsInAgainBeforeTheLockoutEnds()
    {
        using var http = await AdminAsync();
        var (id, username, password) = await CreateWithPasswordAsync(http);
        for (var attempt = 0; attempt < SignInFixture.MaxFailedAttempts; attempt++)
        {
            using var wrong = await SignInFixture.PostLoginAsync(fixture.Browser(), username, "wrong-password-" + attempt);
        }

        Assert.True((await GetJsonAsync(http, $"/admin/users/{id}")).GetProperty("lockedOut").GetBoolean());
        using (var locked = await SignInFixture.PostLoginAsync(fixture.Browser(), username, password))
        {
            Assert.False(SignInFixture.SetsSessionCookie(locked));
        }

        using var unlock = await http.PostAsync($"/admin/users/{id}/unlock", null);

        Assert.False(JsonDocument.Parse(await unlock.Content.ReadAsStringAsync()).RootElement.GetProperty("lockedOut").GetBoolean());
        Assert.Equal("user_unlocked", (await EventStoreReader.EventTypesAsync(fixture.Postgres, id))[^1]);
        using var signIn = await SignInFixture.PostLoginAsync(fixture.Browser(), username, password);
        Assert.True(SignInFixture.SetsSessionCookie(signIn));
    }

    [Fact]
    public async Task Unlock_UserNotLockedOut_RecordsNothing()
    {
        using var http = await AdminAsync();
        var id = await CreateAsync(http);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var unlock = await http.PostAsync($"/admin/users/{id}/unlock", null);

        Assert.Equal(HttpStatusCode.OK, unlock.StatusCode);
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    private async Task<HttpClient> AdminAsync()
    {
        var http = fixture.Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await fixture.AccessTokenForAsync("platform-admin", "platform.admin"));
        return http;
    }

    private static string NewName() => $"user-{Guid.NewGuid():N}"[..20];

    private static async Task<string> CreateAsync(HttpClient http) => (await CreateWithPasswordAsync(http)).Id;

    private static async Task<(string Id, string Username, string Password)> CreateWithPasswordAsync(HttpClient http)
    {
        var username = NewName();
        var password = PlatformCluster.NewSecret();
        using var response = await http.PostAsJsonAsync("/admin/users", new { username, password });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        return (JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!, username, password);
    }

    private async Task<UserCredential> CredentialAsync(string id)
    {
        await using var session = fixture.Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await session.LoadAsync<UserCredential>(id))!;
    }

    private async Task<HttpResponseMessage> UserInfoAsync(string token)
    {
        using var http = fixture.Host.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/connect/userinfo");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
