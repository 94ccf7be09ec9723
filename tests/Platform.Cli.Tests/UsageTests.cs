using Xunit;

namespace Platform.Cli.Tests;

/// <summary>What a script can rely on: the exit codes, where the CLI finds Platform, and that it says what is wrong.</summary>
[Collection(CliCollection.Name)]
public sealed class UsageTests(CliFixture cli)
{
    [Fact]
    public async Task Help_DocumentsTheExitCodes()
    {
        var help = await cli.RunAsync("--help");

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("Exit codes:", help.Out);
        foreach (var code in new[] { "0  done", "1  Platform said no", "2  usage error", "3  Platform cannot be reached" })
        {
            Assert.Contains(code, help.Out);
        }
    }

    [Theory]
    [InlineData("bogus")]
    [InlineData("clients")]
    [InlineData("clients", "show")]
    [InlineData("clients", "add", "x", "--consent", "sometimes")]
    [InlineData("clients", "rotate-secret", "x", "--overlap", "soon")]
    public async Task WrongCommandLine_ExitsTwoAndPointsToHelp(params string[] args)
    {
        var run = await cli.RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--help", run.Error);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public async Task NoIssuerAnywhere_ExitsTwoSayingWhatToSet()
    {
        var run = await cli.RunWithAsync(new Dictionary<string, string?>(), "", "clients", "list");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("PLATFORM_ISSUER", run.Error);
        Assert.Contains("./platform up", run.Error);
    }

    [Fact]
    public async Task StateFolder_DemoEnvIsReadWhenTheEnvironmentSaysNothing()
    {
        var state = Directory.CreateTempSubdirectory("platform-state-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(state.FullName, "demo.env"), $"""
                # Written by ./platform
                PLATFORM_ISSUER='{cli.Cluster.Issuer.AbsoluteUri}'
                PLATFORM_ADMIN_CLIENT_ID='{cli.Cluster.Admin.Id}'
                PLATFORM_ADMIN_CLIENT_SECRET='{cli.Cluster.Admin.Secret}'
                """);

            var run = await cli.RunWithAsync(new Dictionary<string, string?> { ["PLATFORM_STATE_DIR"] = state.FullName }, "", "scopes", "list", "--json");

            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Contains(run.Json.EnumerateArray(), scope => scope.GetProperty("name").GetString() == "platform.admin");
        }
        finally
        {
            state.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task WrongAdminSecret_ExitsOneWithoutPrintingAnySecret()
    {
        var environment = cli.Environment;
        environment["PLATFORM_ADMIN_CLIENT_SECRET"] = "not-the-secret";

        var run = await cli.RunWithAsync(environment, "", "clients", "list");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("invalid_client", run.Error);
        Assert.DoesNotContain("not-the-secret", run.Error + run.Out);
    }

    [Fact]
    public async Task NothingListensAtTheIssuer_ExitsThree()
    {
        var environment = cli.Environment;
        environment["PLATFORM_ISSUER"] = $"http://127.0.0.1:{Platform.Testing.ServiceProcess.FreePort()}/";

        var run = await cli.RunWithAsync(environment, "", "clients", "list", "--json");

        Assert.Equal(3, run.ExitCode);
        Assert.Equal(3, run.ErrorJson.GetProperty("exitCode").GetInt32());
        Assert.Contains("Cannot reach Platform", run.ErrorJson.GetProperty("error").GetString());
    }
}
