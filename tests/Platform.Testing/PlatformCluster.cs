using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Buffers.Text;

namespace Platform.Testing;

/// <summary>
/// The whole of Platform as real processes on loopback (projection, authorization, token, profile,
/// gateway) on a database of its own, seeded with an administration client and an introspecting API
/// client. Tests talk to it through the gateway only, as a client application would.
/// </summary>
public sealed class PlatformCluster : IAsyncDisposable
{
    private readonly List<ServiceProcess> services = [];
    private IReadOnlyDictionary<string, string?> backendSettings = new Dictionary<string, string?>();

    private PlatformCluster(string postgres, string rabbitMq, string seedFile, string queuePrefix)
    {
        Postgres = postgres;
        RabbitMq = rabbitMq;
        SeedFile = seedFile;
        QueuePrefix = queuePrefix;
    }

    public string Postgres { get; }
    public string RabbitMq { get; }
    public string SeedFile { get; }
    public string QueuePrefix { get; }
    public Uri Issuer { get; private set; } = null!;
    public IReadOnlyList<ServiceProcess> Services => services;
    public ServiceProcess Gateway => services.Single(s => s.Name == "Platform.Gateway");

    public (string Id, string Secret) Admin { get; } = ("platform-admin", NewSecret());
    public (string Id, string Secret) Api { get; } = ("demo-api", NewSecret());

    /// <summary>
    /// The client id of the sample documents API: the seed defines the scopes <c>documents.read</c> and
    /// <c>documents.write</c> with it as their resource; a test registers the client itself through <c>/admin/clients</c>.
    /// </summary>
    public const string DocumentsApiId = "documents-api";

    /// <summary>The demo web application: confidential, code + PKCE + refresh, explicit consent, a loopback callback.</summary>
    public (string Id, string Secret, Uri RedirectUri, Uri PostLogoutRedirectUri) Web { get; } =
        ("demo-web", NewSecret(), new Uri("http://127.0.0.1:8400/callback"), new Uri("http://127.0.0.1:8400/"));

    /// <summary>The demo user, who signs in through the browser.</summary>
    public (string UserName, string Password) User { get; } = ("demo", NewSecret()[..24]);

    /// <summary>Every secret the cluster was given, for tests that check none of them leaks.</summary>
    public IEnumerable<string> SeededSecrets => [Admin.Secret, Api.Secret, Web.Secret, User.Password];

    public static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// Starts a cluster; <paramref name="settings"/> go to every backend service (e.g. short key rotation).
    /// <paramref name="postgresServer"/> is a PostgreSQL server of the test's own (a fault test restarts it); by default the shared one.
    /// </summary>
    public static async Task<PlatformCluster> StartAsync(string name, string? rabbitMq = null, IReadOnlyDictionary<string, string?>? settings = null,
        string? postgresServer = null)
    {
        var postgres = await TestServers.CreateDatabaseAsync(name, postgresServer);
        var seedFile = Path.Combine(Path.GetTempPath(), $"platform-seed-{Guid.NewGuid():N}.json");
        var cluster = new PlatformCluster(postgres, rabbitMq ?? await TestServers.RabbitMqAsync(), seedFile, $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)]);
        await cluster.WriteSeedAsync();
        try
        {
            await cluster.StartServicesAsync(settings ?? new Dictionary<string, string?>());
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    private async Task WriteSeedAsync()
    {
        var seed = new
        {
            scopes = new object[]
            {
                new { name = "api", displayName = "Call the demo API", resources = new[] { Api.Id } },
                new { name = "platform.admin", displayName = "Administer Platform", resources = Array.Empty<string>() },
                new { name = "platform.audit", displayName = "Read the audit trail", resources = Array.Empty<string>() },
                // The sample documents API (samples/Documents.Api): tokens with these scopes are meant for its client.
                new { name = "documents.read", displayName = "Read your documents", resources = new[] { DocumentsApiId } },
                new { name = "documents.write", displayName = "Create and change your documents", resources = new[] { DocumentsApiId } },
            },
            clients = new object[]
            {
                new { clientId = Admin.Id, clientSecret = Admin.Secret, displayName = "Platform administration", grantTypes = new[] { "client_credentials" }, scopes = new[] { "platform.admin", "platform.audit" }, introspection = true },
                new { clientId = Api.Id, clientSecret = Api.Secret, displayName = "Demo API", grantTypes = Array.Empty<string>(), scopes = Array.Empty<string>(), introspection = true },
                new
                {
                    clientId = Web.Id, clientSecret = Web.Secret, displayName = "Demo web application",
                    grantTypes = new[] { "authorization_code", "refresh_token" }, scopes = new[] { "openid", "profile", "email", "offline_access" },
                    redirectUris = new[] { Web.RedirectUri.AbsoluteUri }, postLogoutRedirectUris = new[] { Web.PostLogoutRedirectUri.AbsoluteUri }, introspection = false,
                },
            },
            users = new[] { new { userName = User.UserName, email = "demo@example.com", password = User.Password } },
        };
        await File.WriteAllTextAsync(SeedFile, JsonSerializer.Serialize(seed));
    }

    private async Task StartServicesAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var ports = new Dictionary<string, int>
        {
            ["Platform.Projection"] = ServiceProcess.FreePort(),
            ["Platform.Authorization"] = ServiceProcess.FreePort(),
            ["Platform.Token"] = ServiceProcess.FreePort(),
            ["Platform.Profile"] = ServiceProcess.FreePort(),
            ["Platform.Gateway"] = ServiceProcess.FreePort(),
        };
        Issuer = new Uri($"http://localhost:{ports["Platform.Gateway"]}/");

        backendSettings = settings;
        // The projection first, so that its queues are bound before the writers' relays publish.
        foreach (var service in new[] { "Platform.Projection", "Platform.Authorization", "Platform.Token", "Platform.Profile" })
        {
            var started = ServiceProcess.Start(service, ports[service], EnvironmentOf(service));
            services.Add(started);
            await started.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        }

        var gateway = StartGateway(ports["Platform.Gateway"], new Dictionary<string, string?>());
        services.Add(gateway);
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>The settings a backend service of this cluster runs with: the same for every replica of it.</summary>
    public IReadOnlyDictionary<string, string?> EnvironmentOf(string service) => new Dictionary<string, string?>(backendSettings)
    {
        ["ConnectionStrings__Postgres"] = Postgres,
        ["ConnectionStrings__RabbitMq"] = RabbitMq,
        ["Platform__Issuer"] = Issuer.AbsoluteUri,
        ["Platform__Seed__File"] = service is "Platform.Authorization" or "Platform.Profile" ? SeedFile : null,
        ["Platform__Bus__QueuePrefix"] = $"{QueuePrefix}-{service["Platform.".Length..].ToLowerInvariant()}",
    };

    /// <summary>Starts another replica of a backend service on a port of its own; the cluster stops it with the rest.</summary>
    public async Task<ServiceProcess> StartReplicaAsync(string service)
    {
        var replica = ServiceProcess.Start(service, ServiceProcess.FreePort(), EnvironmentOf(service));
        services.Add(replica);
        await replica.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        return replica;
    }

    /// <summary>Starts <paramref name="stopped"/> again on its own port (the gateway's upstream), after a kill or a stop.</summary>
    public async Task<ServiceProcess> RestartAsync(ServiceProcess stopped)
    {
        if (!stopped.HasExited || stopped.Name == "Platform.Gateway")
        {
            throw new InvalidOperationException($"{stopped.Name} on {stopped.Address} is a gateway or still running: only a stopped backend service restarts.");
        }

        var restarted = ServiceProcess.Start(stopped.Name, stopped.Address.Port, EnvironmentOf(stopped.Name));
        services[services.IndexOf(stopped)] = restarted;
        await stopped.DisposeAsync();
        await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        return restarted;
    }

    /// <summary>
    /// Starts a gateway in front of this cluster's services. Besides the cluster's own, a test may start
    /// one with settings of its own (tight rate limits, say) without disturbing the shared one.
    /// </summary>
    public ServiceProcess StartGateway(int port, IReadOnlyDictionary<string, string?> settings)
    {
        // The first process of each service is the cluster's own (a restart takes its place); replicas come after it.
        string Upstream(string service) => services.First(s => s.Name == service).Address.AbsoluteUri;
        var environment = new Dictionary<string, string?>
        {
            ["Platform__Issuer"] = Issuer.AbsoluteUri,
            ["Platform__Upstreams__Authorization"] = Upstream("Platform.Authorization"),
            ["Platform__Upstreams__Token"] = Upstream("Platform.Token"),
            ["Platform__Upstreams__Profile"] = Upstream("Platform.Profile"),
            ["Platform__Upstreams__Projection"] = Upstream("Platform.Projection"),
        };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return ServiceProcess.Start("Platform.Gateway", port, environment);
    }

    public HttpClient CreateClient() => new() { BaseAddress = Issuer, Timeout = TimeSpan.FromSeconds(30) };

    public static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(id)}:{Uri.EscapeDataString(secret)}")));

    /// <summary>A client_credentials token through the gateway.</summary>
    public async Task<string> GetTokenAsync((string Id, string Secret) client, string? scope = null)
    {
        using var http = CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(scope is null
                ? new Dictionary<string, string> { ["grant_type"] = "client_credentials" }
                : new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }),
        };
        request.Headers.Authorization = Basic(client.Id, client.Secret);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Token request failed: {(int)response.StatusCode} {body}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Registers a client through <c>/admin/clients</c> with an administration token.</summary>
    public async Task<(string Id, string Secret)> RegisterClientAsync(object registration)
    {
        var adminToken = await GetTokenAsync(Admin, "platform.admin");
        using var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        using var response = await http.PostAsJsonAsync("admin/clients", registration);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Client registration failed: {(int)response.StatusCode} {body}");
        }

        var json = JsonDocument.Parse(body).RootElement;
        return (json.GetProperty("client_id").GetString()!, json.GetProperty("client_secret").GetString()!);
    }

    /// <summary>
    /// Introspects through the gateway as the administration client, which may see every token (an API client
    /// sees only tokens meant for it); <paramref name="caller"/> introspects as another client.
    /// </summary>
    public async Task<JsonElement> IntrospectAsync(string token, (string Id, string Secret)? caller = null)
    {
        using var http = CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        var (id, secret) = caller ?? Admin;
        request.Headers.Authorization = Basic(id, secret);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Polls introspection until <paramref name="active"/> is what it says, within a bound.</summary>
    public async Task<JsonElement> WaitForActiveAsync(string token, bool active, TimeSpan? within = null, (string Id, string Secret)? caller = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        JsonElement last;
        do
        {
            last = await IntrospectAsync(token, caller);
            if (last.GetProperty("active").GetBoolean() == active)
            {
                return last;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Introspection still says {last} after the bound, expected active={active}.");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Enumerable.Reverse(services))
        {
            await service.DisposeAsync();
        }

        File.Delete(SeedFile);
    }
}
