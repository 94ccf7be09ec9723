using Platform.Testing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>
/// A seed file is configuration: a client in it that the registration rules refuse stops the service at
/// start-up with one sentence saying what is wrong and where to fix it (exit 78, as for a missing
/// setting), and without echoing the client's secret.
/// </summary>
public sealed class InvalidSeedTests
{
    [Fact]
    public async Task SeedClient_WithInvalidClientId_StopsStartupWithOneSentence()
    {
        var secret = PlatformCluster.NewSecret();
        var postgres = await TestServers.CreateDatabaseAsync("authorization_bad_seed");
        using var seed = SeedFileOnDisk.Write(new { clients = new[] { new { clientId = "shop backend", clientSecret = secret } } });
        await using var service = ServiceProcess.Start("Platform.Authorization", ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = postgres,
            ["ConnectionStrings__RabbitMq"] = await TestServers.RabbitMqAsync(),
            ["Platform__Issuer"] = "http://localhost/",
            ["Platform__Seed__File"] = seed.Path,
            ["Platform__Bus__QueuePrefix"] = $"authorization-tests-{Guid.NewGuid():N}",
        });

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 78, $"Exit code {exitCode}:\n{service.Output}");
        var sentence = Assert.Single(service.Output.Split('\n'), line => line.StartsWith("Platform.Authorization cannot start.", StringComparison.Ordinal));
        Assert.Contains("Platform__Seed__File", sentence, StringComparison.Ordinal);
        Assert.Contains("'shop backend'", sentence, StringComparison.Ordinal);
        Assert.Contains("clientId", sentence, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, service.Output, StringComparison.Ordinal);
        Assert.Empty(await EventStoreReader.EventsOfTypeAsync(postgres, "client_registered"));
    }
}
