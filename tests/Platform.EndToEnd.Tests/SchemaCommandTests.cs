using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The commands the Kubernetes schema Job and init containers run (infra/k8s): <c>apply-schema</c> brings an
/// empty database to what the release needs, seeds it, and needs nothing but PostgreSQL; <c>wait-for-schema</c>
/// holds until then, changes nothing, and gives up at its bound.
/// </summary>
public sealed class SchemaCommandTests
{
    public static TheoryData<string> DatabaseServices => new() { "Platform.Authorization", "Platform.Profile", "Platform.Token", "Platform.Projection" };

    // Nothing listens there: a command that tried the broker would fail or hang.
    private const string ClosedRabbitMq = "amqp://guest:guest@127.0.0.1:1/";
    private static readonly TimeSpan CommandBound = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ApplySchema_OnAnEmptyDatabaseWithoutRabbitMq_SeedsAndTheServicesThenServe()
    {
        var postgres = await TestServers.CreateDatabaseAsync("schema_apply");
        var client = (Id: "schema-job-client", Secret: PlatformCluster.NewSecret());
        var password = PlatformCluster.NewSecret()[..24];
        var seedFile = Path.Combine(Path.GetTempPath(), $"platform-seed-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(seedFile, JsonSerializer.Serialize(new
        {
            scopes = new[] { new { name = "reports", displayName = "Read reports", resources = Array.Empty<string>() } },
            clients = new[]
            {
                new { clientId = client.Id, clientSecret = client.Secret, displayName = "Schema job client", grantTypes = new[] { "client_credentials" }, scopes = new[] { "reports" }, introspection = false },
            },
            users = new[] { new { userName = "schema-user", email = "schema-user@example.com", password } },
        }));
        try
        {
            // The Job's order: the writers, then the projection.
            foreach (var service in new[] { "Platform.Authorization", "Platform.Profile", "Platform.Token", "Platform.Projection" })
            {
                var run = await RunAsync(service, ["apply-schema"], Settings(postgres, ClosedRabbitMq, service is "Platform.Authorization" or "Platform.Profile" ? seedFile : null));
                Assert.True(run.ExitCode == 0, $"{service} apply-schema exited {run.ExitCode}:\n{run.Output}");
                Assert.DoesNotContain(client.Secret, run.Output, StringComparison.Ordinal);
                Assert.DoesNotContain(password, run.Output, StringComparison.Ordinal);
            }

            Assert.Single(await EventStoreReader.EventsOfTypeAsync(postgres, "scope_defined"));
            Assert.Single(await EventStoreReader.EventsOfTypeAsync(postgres, "client_registered"));
            Assert.Single(await EventStoreReader.EventsOfTypeAsync(postgres, "user_registered"));

            // A second release's Job over the same database: nothing seeded twice.
            foreach (var service in new[] { "Platform.Authorization", "Platform.Profile" })
            {
                var again = await RunAsync(service, ["apply-schema"], Settings(postgres, ClosedRabbitMq, seedFile));
                Assert.True(again.ExitCode == 0, $"{service} apply-schema again exited {again.ExitCode}:\n{again.Output}");
            }

            Assert.Single(await EventStoreReader.EventsOfTypeAsync(postgres, "client_registered"));
            Assert.Single(await EventStoreReader.EventsOfTypeAsync(postgres, "user_registered"));

            // The services start on that database (no seed of their own) and serve: the seeded client gets a token.
            var rabbitMq = await TestServers.RabbitMqAsync();
            var tokenPort = ServiceProcess.FreePort();
            await using var token = ServiceProcess.Start("Platform.Token", tokenPort, Settings(postgres, rabbitMq, seedFile: null, issuerPort: tokenPort, queuePrefix: "schema-apply-token"));
            await token.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
            using var http = new HttpClient { BaseAddress = token.Address, Timeout = TimeSpan.FromSeconds(30) };
            using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "reports" }),
            };
            request.Headers.Authorization = PlatformCluster.Basic(client.Id, client.Secret);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"token request: {(int)response.StatusCode} {body}");
            Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()));
        }
        finally
        {
            File.Delete(seedFile);
        }
    }

    [Theory]
    [MemberData(nameof(DatabaseServices))]
    public async Task WaitForSchema_OnAnEmptyDatabase_FailsAtItsBoundChangingNothing_AndPassesOnceApplySchemaRan(string service)
    {
        var postgres = await TestServers.CreateDatabaseAsync("schema_wait");
        var settings = Settings(postgres, ClosedRabbitMq, seedFile: null);

        var early = await RunAsync(service, ["wait-for-schema", "--timeout", "1"], settings);

        Assert.NotEqual(0, early.ExitCode);
        var line = Assert.Single(OwnLines(early.Output));
        Assert.StartsWith($"{service} wait-for-schema: the database does not match this release after 1 s", line, StringComparison.Ordinal);
        Assert.Contains("apply-schema", line, StringComparison.Ordinal);
        Assert.Empty(await UserTablesAsync(postgres));

        // An init container started before the Job finished: it waits, then passes once the schema is there.
        var waiting = RunAsync(service, ["wait-for-schema", "--timeout", "120"], settings);
        var apply = await RunAsync(service, ["apply-schema"], settings);
        Assert.True(apply.ExitCode == 0, $"apply-schema exited {apply.ExitCode}:\n{apply.Output}");
        Assert.NotEmpty(await UserTablesAsync(postgres));

        var waited = await waiting;
        Assert.True(waited.ExitCode == 0, $"wait-for-schema exited {waited.ExitCode}:\n{waited.Output}");
        Assert.Contains($"{service} wait-for-schema: the database matches this release.", waited.Output, StringComparison.Ordinal);
    }

    /// <summary>Whichever writer's Job step runs first, the projection's freshness poll finds its index.</summary>
    [Theory]
    [InlineData("Platform.Authorization")]
    [InlineData("Platform.Profile")]
    [InlineData("Platform.Token")]
    public async Task ApplySchema_OfAWriter_CreatesTheRevocationIndexOnTheEventStore(string service)
    {
        var postgres = await TestServers.CreateDatabaseAsync("schema_revocation_index");

        var apply = await RunAsync(service, ["apply-schema"], Settings(postgres, ClosedRabbitMq, seedFile: null));

        Assert.True(apply.ExitCode == 0, $"apply-schema exited {apply.ExitCode}:\n{apply.Output}");
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'platform' AND tablename = 'mt_events' AND indexname = 'mt_events_revocations'", connection);
        var definition = (string?)await command.ExecuteScalarAsync();
        Assert.NotNull(definition);
        Assert.Contains("(seq_id) WHERE", definition, StringComparison.Ordinal);
        foreach (var name in new[] { "token_revoked", "token_pruned", "grant_revoked", "client_disabled", "user_disabled" })
        {
            Assert.Contains($"'{name}'", definition, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WaitForSchema_AfterAnotherServicesSchemaOnly_KeepsWaitingForItsOwnTables()
    {
        var postgres = await TestServers.CreateDatabaseAsync("schema_own");
        var settings = Settings(postgres, ClosedRabbitMq, seedFile: null);
        Assert.Equal(0, (await RunAsync("Platform.Token", ["apply-schema"], settings)).ExitCode);

        // The token service has no sign-in session: the data-protection table the authorization service needs is missing.
        var wait = await RunAsync("Platform.Authorization", ["wait-for-schema", "--timeout", "1"], settings);

        Assert.NotEqual(0, wait.ExitCode);
        Assert.Contains("platform.data_protection_keys", wait.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplySchema_WithoutTheDatabaseSetting_Exits78WithOneSentence()
    {
        var run = await RunAsync("Platform.Token", ["apply-schema"], new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = null,
            ["ConnectionStrings__RabbitMq"] = ClosedRabbitMq,
            ["Platform__Issuer"] = "http://localhost:5000/",
        });

        Assert.Equal(78, run.ExitCode);
        var line = Assert.Single(OwnLines(run.Output));
        Assert.StartsWith("Platform.Token cannot run apply-schema. Set ConnectionStrings__Postgres", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplySchema_WhenPostgresDoesNotAnswer_FailsWithOneLine()
    {
        var run = await RunAsync("Platform.Projection", ["apply-schema"], Settings("Host=127.0.0.1;Port=1;Username=postgres;Database=none", ClosedRabbitMq, seedFile: null));

        Assert.NotEqual(0, run.ExitCode);
        Assert.StartsWith("Platform.Projection apply-schema failed: ", Assert.Single(OwnLines(run.Output)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForSchema_WithAnUnreadableTimeout_ExitsWithUsage()
    {
        var run = await RunAsync("Platform.Token", ["wait-for-schema", "--timeout", "soon"], Settings("Host=127.0.0.1;Port=1;Database=none", ClosedRabbitMq, seedFile: null));

        Assert.Equal(64, run.ExitCode);
        Assert.Contains("--timeout", Assert.Single(OwnLines(run.Output)), StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(string postgres, string rabbitMq, string? seedFile, int issuerPort = 5000, string? queuePrefix = null) => new()
    {
        ["ConnectionStrings__Postgres"] = postgres,
        ["ConnectionStrings__RabbitMq"] = rabbitMq,
        ["Platform__Issuer"] = $"http://localhost:{issuerPort}/",
        ["Platform__Seed__File"] = seedFile,
        ["Platform__Bus__QueuePrefix"] = queuePrefix is null ? null : $"{queuePrefix}-{Guid.NewGuid():N}",
    };

    /// <summary>What the command itself says, without the host's structured log lines (JSON).</summary>
    private static IEnumerable<string> OwnLines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith('{'));

    private static async Task<IReadOnlyList<string>> UserTablesAsync(string postgres)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new List<string>();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    /// <summary>Runs a service's command to its end, as the Job or an init container would; its output, both streams.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string service, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var dll = ServiceProcess.DllOf(service);
        var start = new ProcessStartInfo("dotnet", [dll, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["DOTNET_NOLOGO"] = "1";
        // Marten's schema SQL at Information would bury the command's own lines.
        start.Environment["Logging__LogLevel__Marten"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(CommandBound);
        try
        {
            await process.WaitForExitAsync(bound.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{service} {string.Join(' ', arguments)} did not end within {CommandBound}:\n{await stdout}{await stderr}");
        }

        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }
}
