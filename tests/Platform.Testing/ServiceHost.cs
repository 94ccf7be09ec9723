using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Platform.Testing;

/// <summary>
/// One Platform service inside the test process: its own <c>Program</c> run by WebApplicationFactory on
/// TestServer, configured the way an operator configures it (the same settings, as the Production
/// environment), on the test's database and RabbitMQ, with what it logs kept for assertions.
/// </summary>
/// <typeparam name="TProgram">The service's <c>Program</c>.</typeparam>
public sealed class ServiceHost<TProgram> : WebApplicationFactory<TProgram> where TProgram : class
{
    /// <summary>The issuer the hosts are given; TestServer answers on it.</summary>
    public static readonly Uri Issuer = new("http://localhost/");

    private readonly Dictionary<string, string?> settings;

    /// <param name="postgres">The test class's database (<see cref="TestServers.CreateDatabaseAsync"/>).</param>
    /// <param name="rabbitMq">The RabbitMQ the tests share.</param>
    /// <param name="queuePrefix">A prefix of this host's own, so its queues never meet another test run's.</param>
    /// <param name="more">Further settings, by configuration key.</param>
    public ServiceHost(string postgres, string rabbitMq, string queuePrefix, IReadOnlyDictionary<string, string?>? more = null)
    {
        settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = postgres,
            ["ConnectionStrings:RabbitMq"] = rabbitMq,
            ["Platform:Issuer"] = Issuer.AbsoluteUri,
            ["Platform:Bus:QueuePrefix"] = queuePrefix,
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
    }

    public CapturedLogs Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging =>
        {
            logging.ClearProviders();
            logging.AddProvider(Logs);
        });
    }
}

/// <summary>Everything a host logged, as text, to check that no credential is ever written to a log.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> lines = new();

    public string Text => string.Join('\n', lines);

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            lines.Enqueue($"scope {category}: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(", ", pairs.Select(pair => $"{pair.Key}={pair.Value}"))
                : string.Empty;
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}

/// <summary>Seed files (setting <c>Platform:Seed:File</c>) written for one test and deleted with it.</summary>
public sealed class SeedFileOnDisk : IDisposable
{
    private SeedFileOnDisk(string path) => Path = path;

    public string Path { get; }

    /// <summary>Writes <paramref name="seed"/> (scopes, clients, users) as the JSON an operator would write.</summary>
    public static SeedFileOnDisk Write(object seed)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"platform-seed-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(seed));
        return new SeedFileOnDisk(path);
    }

    public void Dispose() => File.Delete(Path);
}
