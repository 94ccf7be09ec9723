using DotNet.Testcontainers.Configurations;
using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Platform.Testing;

/// <summary>
/// Where the tests' PostgreSQL and RabbitMQ come from, in this order: the <c>PLATFORM_POSTGRES</c> and
/// <c>PLATFORM_RABBITMQ</c> connection strings when set; else Testcontainers when a Docker engine answers;
/// else the local servers that <c>./platform servers</c> runs (read from <c>.platform/servers.env</c>).
/// One instance per test run; each test class then takes its own database.
/// </summary>
public static class TestServers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static (string Postgres, string RabbitMq)? resolved;

    public static async Task<(string Postgres, string RabbitMq)> ResolveAsync()
    {
        if (resolved is { } known)
        {
            return known;
        }

        await Gate.WaitAsync();
        try
        {
            resolved ??= await ResolveOnceAsync();
            return resolved.Value;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<string> PostgresAsync() => (await ResolveAsync()).Postgres;

    public static async Task<string> RabbitMqAsync() => (await ResolveAsync()).RabbitMq;

    private static async Task<(string, string)> ResolveOnceAsync()
    {
        var postgres = Environment.GetEnvironmentVariable("PLATFORM_POSTGRES");
        var rabbitMq = Environment.GetEnvironmentVariable("PLATFORM_RABBITMQ");
        if (!string.IsNullOrWhiteSpace(postgres) && !string.IsNullOrWhiteSpace(rabbitMq))
        {
            return (postgres, rabbitMq);
        }

        if (DockerAnswers())
        {
            var pg = new PostgreSqlBuilder("postgres:16-alpine").Build();
            var mq = new RabbitMqBuilder("rabbitmq:3.13-management-alpine").Build();
            await Task.WhenAll(pg.StartAsync(), mq.StartAsync());
            return (postgres ?? pg.GetConnectionString(), rabbitMq ?? mq.GetConnectionString());
        }

        var file = Path.Combine(RepositoryRoot.Path, ".platform", "servers.env");
        if (File.Exists(file))
        {
            var values = File.ReadAllLines(file)
                .Select(line => line.Split('=', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim().Trim('"', '\''));
            return (postgres ?? values["PLATFORM_POSTGRES"], rabbitMq ?? values["PLATFORM_RABBITMQ"]);
        }

        throw new InvalidOperationException(
            "No PostgreSQL and RabbitMQ for the tests: run them through './platform test', or start them with './platform servers', or set PLATFORM_POSTGRES and PLATFORM_RABBITMQ.");
    }

    private static bool DockerAnswers()
    {
        try
        {
            return TestcontainersSettings.OS.DockerEndpointAuthConfig is not null;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// Creates a fresh database for one test class and returns its connection string; on <paramref name="server"/>
    /// (a connection string to a server of the test's own) instead of the shared server when given.
    /// </summary>
    public static async Task<string> CreateDatabaseAsync(string prefix, string? server = null)
    {
        var admin = new NpgsqlConnectionStringBuilder(server ?? await PostgresAsync());
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        admin.Database = name;
        return admin.ConnectionString;
    }
}
