using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>A service missing a setting it needs stops at once and says, in one sentence, what to set and where.</summary>
public sealed class StartupConfigurationTests
{
    public static TheoryData<string> Backends => new() { "Platform.Authorization", "Platform.Token", "Platform.Profile", "Platform.Projection" };

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task Service_WithoutDatabaseConnectionString_StopsNamingTheSetting(string service)
    {
        await using var process = ServiceProcess.Start(service, ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = null,
            ["ConnectionStrings__RabbitMq"] = "amqp://guest:guest@127.0.0.1:1/",
            ["Platform__Issuer"] = "http://localhost:5000/",
        });

        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(78, exitCode);
        var lines = process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains("ConnectionStrings__Postgres", line, StringComparison.Ordinal);
        Assert.StartsWith(service + " cannot start.", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_WithoutUpstreams_StopsNamingTheSetting()
    {
        await using var process = ServiceProcess.Start("Platform.Gateway", ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["Platform__Issuer"] = "http://localhost:5000/",
        });

        Assert.Equal(78, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Platform__Upstreams__", Assert.Single(process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }
}
