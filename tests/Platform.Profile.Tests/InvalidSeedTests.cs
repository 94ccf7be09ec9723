using Platform.Testing;
using Xunit;

namespace Platform.Profile.Tests;

/// <summary>
/// A seed file is configuration: a user in it that the rules refuse stops the service at start-up with one
/// sentence saying what is wrong and where to fix it (exit 78, as for a missing setting), before it serves
/// anything, and without echoing the password.
/// </summary>
public sealed class InvalidSeedTests
{
    [Fact]
    public async Task SeedUser_WithTooShortPassword_StopsStartupWithOneSentence()
    {
        const string password = "Tr0ub4dor&3";
        var postgres = await TestServers.CreateDatabaseAsync("profile_bad_seed");
        using var seed = SeedFileOnDisk.Write(new { users = new[] { new { userName = "bob", email = "bob@example.com", password } } });
        await using var service = ServiceProcess.Start("Platform.Profile", ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = postgres,
            ["ConnectionStrings__RabbitMq"] = await TestServers.RabbitMqAsync(),
            ["Platform__Issuer"] = "http://localhost/",
            ["Platform__Seed__File"] = seed.Path,
            ["Platform__Bus__QueuePrefix"] = $"profile-tests-{Guid.NewGuid():N}",
        });

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 78, $"Exit code {exitCode}:\n{service.Output}");
        var sentence = Assert.Single(service.Output.Split('\n'), line => line.StartsWith("Platform.Profile cannot start.", StringComparison.Ordinal));
        Assert.Contains("Platform__Seed__File", sentence, StringComparison.Ordinal);
        Assert.Contains("'bob'", sentence, StringComparison.Ordinal);
        Assert.Contains("at least 12 characters", sentence, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", service.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(password, service.Output, StringComparison.Ordinal);
        Assert.Empty(await EventStoreReader.EventsOfTypeAsync(postgres, "user_registered"));
    }
}

/// <summary>A lockout setting that makes no sense stops the service with one sentence naming it (exit 78), before it serves anything.</summary>
public sealed class InvalidSignInSettingsTests
{
    [Theory]
    [InlineData("Platform__SignIn__MaxFailedAttempts", "0")]
    [InlineData("Platform__SignIn__LockoutDuration", "soon")]
    public async Task SignInSetting_Invalid_StopsStartupWithOneSentenceNamingIt(string variable, string value)
    {
        await using var service = ServiceProcess.Start("Platform.Profile", ServiceProcess.FreePort(), new Dictionary<string, string?>
        {
            ["ConnectionStrings__Postgres"] = await TestServers.CreateDatabaseAsync("profile_bad_signin"),
            ["ConnectionStrings__RabbitMq"] = await TestServers.RabbitMqAsync(),
            ["Platform__Issuer"] = "http://localhost/",
            ["Platform__Bus__QueuePrefix"] = $"profile-tests-{Guid.NewGuid():N}",
            [variable] = value,
        });

        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 78, $"Exit code {exitCode}:\n{service.Output}");
        var sentence = Assert.Single(service.Output.Split('\n'), line => line.StartsWith("Platform.Profile cannot start.", StringComparison.Ordinal));
        Assert.Contains($"Set {variable} (environment)", sentence, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", sentence, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", service.Output, StringComparison.Ordinal);
    }
}
