using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.Cli.Tests;

/// <summary>One running Platform for the CLI tests, and the CLI run in process against it as an operator runs it.</summary>
public sealed class CliFixture : IAsyncLifetime
{
    public PlatformCluster Cluster { get; private set; } = null!;

    /// <summary>An empty folder to run in, so that no <c>.platform/demo.env</c> of the checkout is picked up.</summary>
    public string WorkingDirectory { get; } = Directory.CreateTempSubdirectory("platform-cli-").FullName;

    public async Task InitializeAsync() => Cluster = await PlatformCluster.StartAsync("cli");

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Directory.Delete(WorkingDirectory, recursive: true);
    }

    /// <summary>The environment an operator has after <c>source .platform/demo.env</c>.</summary>
    public Dictionary<string, string?> Environment => new()
    {
        ["PLATFORM_ISSUER"] = Cluster.Issuer.AbsoluteUri,
        ["PLATFORM_ADMIN_CLIENT_ID"] = Cluster.Admin.Id,
        ["PLATFORM_ADMIN_CLIENT_SECRET"] = Cluster.Admin.Secret,
    };

    public Task<CliResult> RunAsync(params string[] args) => RunWithAsync(Environment, stdin: "", args);

    public Task<CliResult> RunWithInputAsync(string stdin, params string[] args) => RunWithAsync(Environment, stdin, args);

    public async Task<CliResult> RunWithAsync(IReadOnlyDictionary<string, string?> environment, string stdin, params string[] args)
    {
        using var input = new StringReader(stdin);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await Cli.RunAsync(args, new CliConsole(input, output, error), name => environment.GetValueOrDefault(name), currentDirectory: WorkingDirectory);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

/// <summary>What a run printed and how it ended.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    /// <summary>Standard output as JSON (a run with <c>--json</c>); fails the test when it is not.</summary>
    public JsonElement Json => JsonDocument.Parse(Out).RootElement.Clone();

    /// <summary>Standard error as JSON (a failed run with <c>--json</c>).</summary>
    public JsonElement ErrorJson => JsonDocument.Parse(Error).RootElement.Clone();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliFixture>
{
    public const string Name = "cli";
}
