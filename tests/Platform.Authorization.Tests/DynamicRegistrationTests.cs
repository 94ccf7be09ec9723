using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>The authorization service with <c>Platform:Registration:Mode=open</c>, and the token service beside it.</summary>
public sealed class OpenRegistrationFixture : AdministeredServiceFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Platform:Registration:Mode"] = "open" };
}

/// <summary>
/// The authorization service with <c>Platform:Registration:Mode=protected</c>: an operator defined the
/// <c>platform.register</c> scope and registered a client that may ask for it, whose tokens are initial access tokens.
/// </summary>
public sealed class ProtectedRegistrationFixture : AdministeredServiceFixture
{
    public (string Id, string Secret) Registrar { get; private set; }

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Platform:Registration:Mode"] = "protected" };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var http = CreateClient(await GetTokenAsync(Admin, AdminScope));
        using (var scope = await http.PostAsJsonAsync("admin/scopes", new { name = "platform.register", resources = Array.Empty<string>() }))
        {
            scope.EnsureSuccessStatusCode();
        }

        using var client = await http.PostAsJsonAsync("admin/clients", new { clientId = $"registrar-{Guid.NewGuid():N}", scopes = new[] { "platform.register" } });
        var answer = JsonDocument.Parse(await client.Content.ReadAsStringAsync()).RootElement;
        Registrar = (answer.GetProperty("client_id").GetString()!, answer.GetProperty("client_secret").GetString()!);
    }
}

/// <summary>
/// Dynamic client registration (RFC 7591) in open mode and its management (RFC 7592) with the registration
/// access token: metadata checked (https redirect URIs except loopback, grant and response types that agree),
/// RFC 7591 errors, discovery advertising the endpoint, and every change an event.
/// </summary>
public sealed class OpenRegistrationTests(OpenRegistrationFixture fixture) : IClassFixture<OpenRegistrationFixture>
{
    private static readonly object WebApp = new
    {
        client_name = "Shop",
        redirect_uris = new[] { "https://shop.example/callback" },
        grant_types = new[] { "authorization_code", "refresh_token" },
        response_types = new[] { "code" },
        scope = "openid offline_access orders",
        token_endpoint_auth_method = "client_secret_post",
    };

    [Fact]
    public async Task Discovery_RegistrationOn_AdvertisesTheRegistrationEndpoint()
    {
        using var http = fixture.CreateClient();

        var discovery = await AuthorizationServiceFixture.GetJsonAsync(http, ".well-known/openid-configuration");

        Assert.Equal(new Uri(ServiceHost<Program>.Issuer, "connect/register").AbsoluteUri, discovery.GetProperty("registration_endpoint").GetString());
    }

    [Fact]
    public async Task Register_WebApp_Answers201WithCredentialsOnceAndRecordsOnlyHashes()
    {
        using var http = fixture.CreateClient();

        using var response = await http.PostAsJsonAsync("connect/register", WebApp);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        Assert.True(response.Headers.CacheControl?.NoStore);
        var answer = JsonDocument.Parse(body).RootElement;
        var clientId = answer.GetProperty("client_id").GetString()!;
        var secret = answer.GetProperty("client_secret").GetString()!;
        var registrationToken = answer.GetProperty("registration_access_token").GetString()!;
        Assert.Equal(0, answer.GetProperty("client_secret_expires_at").GetInt64());
        Assert.True(answer.GetProperty("client_id_issued_at").GetInt64() > 0);
        Assert.Equal(new Uri(ServiceHost<Program>.Issuer, $"connect/register/{clientId}").AbsoluteUri, answer.GetProperty("registration_client_uri").GetString());
        Assert.Equal(["https://shop.example/callback"], answer.GetProperty("redirect_uris").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal("client_secret_post", answer.GetProperty("token_endpoint_auth_method").GetString());
        Assert.Equal(["code"], answer.GetProperty("response_types").EnumerateArray().Select(u => u.GetString()));
        Assert.Equal("openid offline_access orders", answer.GetProperty("scope").GetString());

        var stream = (await EventStoreReader.ClientStreamIdAsync(fixture.Postgres, clientId))!;
        var registered = Assert.Single(await EventStoreReader.EventsAsync(fixture.Postgres, stream));
        Assert.Equal("client_registered", registered.Type);
        Assert.Equal("explicit", registered.Data.GetProperty("consentType").GetString());
        var events = await EventStoreReader.AllEventDataAsync(fixture.Postgres);
        Assert.DoesNotContain(secret, events, StringComparison.Ordinal);
        Assert.DoesNotContain(registrationToken, events, StringComparison.Ordinal);
        Assert.DoesNotContain(registrationToken, fixture.Host.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Register_PublicNativeApp_HasNoSecretAndItsAuthorizeRequestIsAccepted()
    {
        using var http = fixture.CreateClient();

        using var response = await http.PostAsJsonAsync("connect/register", new
        {
            client_name = "Phone app", application_type = "native", token_endpoint_auth_method = "none",
            redirect_uris = new[] { "com.example.shop:/callback", "http://127.0.0.1/callback" }, scope = "openid",
        });

        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(answer.TryGetProperty("client_secret", out _));
        var clientId = answer.GetProperty("client_id").GetString()!;
        using var browser = fixture.Host.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var authorize = await browser.GetAsync(
            $"connect/authorize?client_id={clientId}&response_type=code&scope=openid&redirect_uri={Uri.EscapeDataString("com.example.shop:/callback")}"
            + "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=s");
        Assert.Equal(HttpStatusCode.Redirect, authorize.StatusCode);
        Assert.StartsWith("/account/login", authorize.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadMetadata => new()
    {
        { """{"redirect_uris":["http://shop.example/callback"]}""", "invalid_redirect_uri" },
        { """{"redirect_uris":["https://shop.example/cb#frag"]}""", "invalid_redirect_uri" },
        { """{"grant_types":["authorization_code"]}""", "invalid_redirect_uri" },
        { """{"redirect_uris":"https://shop.example/callback"}""", "invalid_redirect_uri" },
        { """{"redirect_uris":["https://shop.example/callback"],"grant_types":["authorization_code"],"response_types":["token"]}""", "invalid_client_metadata" },
        { """{"redirect_uris":["https://shop.example/callback"],"grant_types":["refresh_token"],"response_types":["code"]}""", "invalid_client_metadata" },
        { """{"redirect_uris":["https://shop.example/callback"],"grant_types":["implicit"]}""", "invalid_client_metadata" },
        { """{"grant_types":["client_credentials"],"response_types":[]}""", "invalid_client_metadata" },
        { """{"redirect_uris":["https://shop.example/callback"],"token_endpoint_auth_method":"private_key_jwt"}""", "invalid_client_metadata" },
        { """{"redirect_uris":["https://shop.example/callback"],"scope":"platform.admin"}""", "invalid_client_metadata" },
        { """{"redirect_uris":["https://shop.example/callback"],"scope":"no-such-scope"}""", "invalid_client_metadata" },
        { """{"redirect_uris":["https://shop.example/callback"],"client_name":42}""", "invalid_client_metadata" },
        { "[1]", "invalid_client_metadata" },
        { "{", "invalid_client_metadata" },
    };

    [Theory]
    [MemberData(nameof(BadMetadata))]
    public async Task Register_BadMetadata_Answers400WithTheRfc7591ErrorAndRecordsNothing(string metadata, string error)
    {
        using var http = fixture.CreateClient();
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var response = await http.PostAsync("connect/register", new StringContent(metadata, Encoding.UTF8, "application/json"));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.Equal(error, answer.GetProperty("error").GetString());
        Assert.False(string.IsNullOrWhiteSpace(answer.GetProperty("error_description").GetString()));
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Fact]
    public async Task Register_HttpRedirectUri_DescriptionNamesTheFieldAndSaysWhy()
    {
        using var http = fixture.CreateClient();

        using var response = await http.PostAsJsonAsync("connect/register", new { redirect_uris = new[] { "http://shop.example/callback" } });

        var description = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error_description").GetString();
        Assert.StartsWith("redirect_uris:", description, StringComparison.Ordinal);
        Assert.Contains("not loopback", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SelfManagement_ReadUpdateDelete_WithTheRegistrationAccessTokenOnly()
    {
        using var http = fixture.CreateClient();
        using var registered = await http.PostAsJsonAsync("connect/register", WebApp);
        var answer = JsonDocument.Parse(await registered.Content.ReadAsStringAsync()).RootElement;
        var clientId = answer.GetProperty("client_id").GetString()!;
        var clientUri = answer.GetProperty("registration_client_uri").GetString()!;
        var token = answer.GetProperty("registration_access_token").GetString()!;

        using (var anonymous = await http.GetAsync(clientUri))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Contains(anonymous.Headers.WwwAuthenticate, c => c.Scheme == "Bearer" && c.Parameter!.Contains("invalid_token", StringComparison.Ordinal));
        }

        using (var wrong = await SendAsync(http, HttpMethod.Get, clientUri, PlatformCluster.NewSecret()))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var read = await SendAsync(http, HttpMethod.Get, clientUri, token))
        {
            var shown = JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(clientId, shown.GetProperty("client_id").GetString());
            Assert.False(shown.TryGetProperty("client_secret", out _));
        }

        var stream = (await EventStoreReader.ClientStreamIdAsync(fixture.Postgres, clientId))!;
        using (var badUpdate = await SendAsync(http, HttpMethod.Put, clientUri, token, new { client_id = clientId, redirect_uris = new[] { "http://shop.example/x" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badUpdate.StatusCode);
            Assert.Equal("invalid_redirect_uri", JsonDocument.Parse(await badUpdate.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        }

        using (var update = await SendAsync(http, HttpMethod.Put, clientUri, token, new
        {
            client_id = clientId, client_name = "Shop (new)", redirect_uris = new[] { "https://shop.example/new-callback" }, scope = "openid",
        }))
        {
            var updated = JsonDocument.Parse(await update.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
            Assert.Equal("Shop (new)", updated.GetProperty("client_name").GetString());
            Assert.Equal(["https://shop.example/new-callback"], updated.GetProperty("redirect_uris").EnumerateArray().Select(u => u.GetString()));
            Assert.Equal("client_secret_basic", updated.GetProperty("token_endpoint_auth_method").GetString());
        }

        Assert.Equal("client_updated", (await EventStoreReader.EventTypesAsync(fixture.Postgres, stream))[^1]);

        using (var delete = await SendAsync(http, HttpMethod.Delete, clientUri, token))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        Assert.Equal("client_deleted", (await EventStoreReader.EventTypesAsync(fixture.Postgres, stream))[^1]);
        using var gone = await SendAsync(http, HttpMethod.Get, clientUri, token);
        Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
    }

    [Fact]
    public async Task SelfManagement_TokenOfAnotherClient_Answers401()
    {
        using var http = fixture.CreateClient();
        using var first = await http.PostAsJsonAsync("connect/register", WebApp);
        using var second = await http.PostAsJsonAsync("connect/register", WebApp);
        var firstUri = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("registration_client_uri").GetString()!;
        var secondToken = JsonDocument.Parse(await second.Content.ReadAsStringAsync()).RootElement.GetProperty("registration_access_token").GetString()!;

        using var response = await SendAsync(http, HttpMethod.Delete, firstUri, secondToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    internal static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string uri, string bearer, object? body = null)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await http.SendAsync(request);
    }
}

/// <summary>Protected registration: only with an initial access token (scope <c>platform.register</c>), and the fresh client gets a token.</summary>
public sealed class ProtectedRegistrationTests(ProtectedRegistrationFixture fixture) : IClassFixture<ProtectedRegistrationFixture>
{
    private static readonly object Backend = new { client_name = "Stock sync", grant_types = new[] { "client_credentials" }, response_types = Array.Empty<string>(), scope = "orders" };

    [Fact]
    public async Task Register_WithoutInitialAccessToken_Answers401BearerAndRecordsNothing()
    {
        using var http = fixture.CreateClient();
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var response = await http.PostAsJsonAsync("connect/register", Backend);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, c => c.Scheme == "Bearer");
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Fact]
    public async Task Register_WithTokenLackingRegisterScope_Answers403InsufficientScope()
    {
        using var http = fixture.CreateClient(await fixture.GetTokenAsync(fixture.Worker, AuthorizationServiceFixture.OrdersScope));

        using var response = await http.PostAsJsonAsync("connect/register", Backend);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, c => c.Parameter!.Contains("insufficient_scope", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Register_WithInitialAccessToken_FreshClientGetsATokenWithTheScopesAudiences()
    {
        using var http = fixture.CreateClient(await fixture.GetTokenAsync(fixture.Registrar, "platform.register"));

        using var response = await http.PostAsJsonAsync("connect/register", Backend);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        var answer = JsonDocument.Parse(body).RootElement;
        var client = (answer.GetProperty("client_id").GetString()!, answer.GetProperty("client_secret").GetString()!);
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);
        var token = await fixture.WaitForTokenAnswerAsync(client, HttpStatusCode.OK, AuthorizationServiceFixture.OrdersScope);
        Assert.Equal("Bearer", token.GetProperty("token_type").GetString());
        var issued = (await EventStoreReader.EventsAfterAsync(fixture.Postgres, before)).First(e => e.Type == "token_issued");
        Assert.Equal(client.Item1, issued.Data.GetProperty("clientId").GetString());
        Assert.Equal(["invoices-api", "orders-api"], issued.Data.GetProperty("audiences").EnumerateArray().Select(a => a.GetString()).Order());
    }

    [Fact]
    public async Task Register_EvenProtected_CannotAskForPlatformScopes()
    {
        using var http = fixture.CreateClient(await fixture.GetTokenAsync(fixture.Registrar, "platform.register"));

        using var response = await http.PostAsJsonAsync("connect/register", new { grant_types = new[] { "client_credentials" }, response_types = Array.Empty<string>(), scope = "platform.register" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_client_metadata", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }
}

/// <summary>Registration is off unless an operator turns it on; a mode that is not one of the three stops the service.</summary>
public sealed class RegistrationOffTests(AuthorizationServiceFixture fixture) : IClassFixture<AuthorizationServiceFixture>
{
    [Fact]
    public async Task RegistrationOff_EndpointAnswers404AndDiscoveryDoesNotAdvertiseIt()
    {
        using var http = fixture.CreateClient();
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        using var response = await http.PostAsJsonAsync("connect/register", new { redirect_uris = new[] { "https://shop.example/callback" } });
        var discovery = await AuthorizationServiceFixture.GetJsonAsync(http, ".well-known/openid-configuration");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(discovery.TryGetProperty("registration_endpoint", out _));
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Fact]
    public async Task UnknownMode_StopsStartupWithOneSentenceNamingTheSetting()
    {
        await using var service = ServiceProcess.Start("Platform.Authorization", ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = fixture.Postgres,
            ["ConnectionStrings__RabbitMq"] = fixture.RabbitMq,
            ["Platform__Issuer"] = "http://localhost/",
            ["Platform__Registration__Mode"] = "anyone",
            ["Platform__Bus__QueuePrefix"] = $"authorization-tests-{Guid.NewGuid():N}",
        });

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 78, $"Exit code {exitCode}:\n{service.Output}");
        var sentence = Assert.Single(service.Output.Split('\n'), line => line.StartsWith("Platform.Authorization cannot start.", StringComparison.Ordinal));
        Assert.Contains("Platform__Registration__Mode", sentence, StringComparison.Ordinal);
        Assert.Contains("'anyone'", sentence, StringComparison.Ordinal);
    }
}
