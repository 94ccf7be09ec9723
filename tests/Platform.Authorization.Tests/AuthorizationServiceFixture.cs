using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>
/// The authorization service on a database of its own, seeded as an operator seeds it: an <c>orders</c>
/// scope for two APIs, the <c>platform.admin</c> scope, an administration client and a worker client that
/// may ask for <c>orders</c> but not for <c>platform.admin</c>.
/// </summary>
public class AuthorizationServiceFixture : IAsyncLifetime
{
    public const string AdminScope = "platform.admin";
    public const string OrdersScope = "orders";

    public string Postgres { get; private set; } = "";
    public string RabbitMq { get; private set; } = "";
    public ServiceHost<Program> Host { get; private set; } = null!;
    public (string Id, string Secret) Admin { get; } = ($"admin-{Guid.NewGuid():N}", PlatformCluster.NewSecret());
    public (string Id, string Secret) Worker { get; } = ($"worker-{Guid.NewGuid():N}", PlatformCluster.NewSecret());
    protected SeedFileOnDisk Seed { get; private set; } = null!;

    public static object SeedOf((string Id, string Secret) admin, (string Id, string Secret) worker) => new
    {
        scopes = new object[]
        {
            new { name = OrdersScope, displayName = "Read and place orders", resources = new[] { "orders-api", "invoices-api" } },
            new { name = AdminScope, displayName = "Administer Platform", resources = Array.Empty<string>() },
        },
        clients = new object[]
        {
            new { clientId = admin.Id, clientSecret = admin.Secret, displayName = "Administration", grantTypes = new[] { "client_credentials" }, scopes = new[] { AdminScope } },
            new { clientId = worker.Id, clientSecret = worker.Secret, displayName = "Worker", grantTypes = new[] { "client_credentials" }, scopes = new[] { OrdersScope } },
        },
    };

    public virtual async Task InitializeAsync()
    {
        RabbitMq = await TestServers.RabbitMqAsync();
        Postgres = await TestServers.CreateDatabaseAsync("authorization");
        Seed = SeedFileOnDisk.Write(SeedOf(Admin, Worker));
        Host = StartHost(Postgres, RabbitMq, Seed.Path, Settings);
    }

    public virtual async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Seed.Dispose();
    }

    /// <summary>Settings of the service under test besides the seed file (none by default).</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>Starts an authorization service on <paramref name="postgres"/>, seeded from <paramref name="seedFile"/> when given.</summary>
    public static ServiceHost<Program> StartHost(string postgres, string rabbitMq, string? seedFile, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["Platform:Seed:File"] = seedFile };
        var host = new ServiceHost<Program>(postgres, rabbitMq, $"authorization-tests-{Guid.NewGuid():N}", all);
        host.StartServer();
        return host;
    }

    public HttpClient CreateClient() => Host.CreateClient();

    /// <summary>The JSON document at <paramref name="path"/>, which must answer 200.</summary>
    public static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}

/// <summary>
/// The seeded authorization service and, beside it on the same database, the token service as a real
/// process: administration tokens come from where clients get them, <c>/connect/token</c>.
/// </summary>
public class AdministeredServiceFixture : AuthorizationServiceFixture
{
    private ServiceProcess? tokenService;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        tokenService = ServiceProcess.Start("Platform.Token", ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = Postgres,
            ["ConnectionStrings__RabbitMq"] = RabbitMq,
            ["Platform__Issuer"] = ServiceHost<Program>.Issuer.AbsoluteUri,
            ["Platform__Bus__QueuePrefix"] = $"authorization-tests-token-{Guid.NewGuid():N}",
        });
        await tokenService.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
    }

    public override async Task DisposeAsync()
    {
        if (tokenService is not null)
        {
            await tokenService.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    /// <summary>A client_credentials token from the token service.</summary>
    public async Task<string> GetTokenAsync((string Id, string Secret) client, string scope)
    {
        using var http = new HttpClient { BaseAddress = tokenService!.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Token request failed: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>A client for <c>/admin/clients</c> carrying <paramref name="bearer"/>, if any.</summary>
    public HttpClient CreateClient(string? bearer)
    {
        var http = CreateClient();
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return http;
    }

    public string TokenServiceOutput => tokenService?.Output ?? "";

    /// <summary>A client_credentials request to the token service: the status and the body, whatever they are.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> RequestTokenAsync((string Id, string Secret) client, string? scope = null)
    {
        using var http = new HttpClient { BaseAddress = tokenService!.Address };
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (scope is not null)
        {
            form["scope"] = scope;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    /// <summary>
    /// Asks for a token until the answer's status is <paramref name="expected"/>: the token service is another process,
    /// whose client look-ups are cached for up to <c>Platform:Identity:LookupLifetime</c> (5 s).
    /// </summary>
    public async Task<JsonElement> WaitForTokenAnswerAsync((string Id, string Secret) client, HttpStatusCode expected, string? scope = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var (status, body) = await RequestTokenAsync(client, scope);
            if (status == expected)
            {
                return body;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The token service still answers {(int)status} {body}, expected {(int)expected}.");
            }

            await Task.Delay(100);
        }
    }
}
