using System.Diagnostics;
using System.Text.RegularExpressions;
using Platform.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Platform.Samples.Tests;

/// <summary>
/// Every snippet of the README's "Connect your application", "Protect your API" and "Audit what happened" runs as written against a
/// Platform of its own: the bash blocks in order in one shell (with <c>.platform/demo.env</c> as <c>./platform up</c>
/// writes it), the Python blocks with Debian's python3 and requests-oauthlib, and each C# block is code that
/// the solution compiles (and the one no sample runs is run here). "Sign a user in", which needs a browser, is in
/// ReadmeSnippetTests.SignIn.cs.
/// </summary>
public sealed partial class ReadmeSnippetTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Sections = ["Connect your application", "Protect your API", "Audit what happened"];
    private readonly string folder = Directory.CreateTempSubdirectory("readme-snippets-").FullName;
    private PlatformCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await PlatformCluster.StartAsync("readme");

    [Fact]
    public async Task ReadmeSnippets_RunAsWritten_AgainstPlatform()
    {
        var blocks = Sections.SelectMany(Blocks).ToList();
        Assert.Contains(blocks, b => b.Language == "bash");
        Assert.Contains(blocks, b => b.Language == "python");
        Assert.Contains(blocks, b => b.Language == "csharp");

        Directory.CreateDirectory(Path.Combine(folder, ".platform"));
        await File.WriteAllTextAsync(Path.Combine(folder, ".platform", "demo.env"), $"""
            PLATFORM_ISSUER='{cluster.Issuer.AbsoluteUri}'
            PLATFORM_ADMIN_CLIENT_ID='{cluster.Admin.Id}'
            PLATFORM_ADMIN_CLIENT_SECRET='{cluster.Admin.Secret}'
            """);
        var script = "set -euo pipefail\n" + string.Join("\n", blocks.Where(b => b.Language == "bash").Select(b => b.Code))
            + "\nprintf '\\nSECRETS %s %s %s\\n' \"$SHOP_CLIENT_SECRET\" \"$INVENTORY_API_SECRET\" \"$STOCK_SYNC_SECRET\"\n";
        var (bashExit, bashOutput) = await RunAsync("bash", ["-c", script], new Dictionary<string, string>());
        Assert.True(bashExit == 0, $"the bash snippets failed ({bashExit}):\n{bashOutput}");
        Assert.Contains("\"token_type\": \"Bearer\"", bashOutput);
        Assert.Contains("\"active\":true", bashOutput);
        Assert.Contains("\"aud\":\"inventory-api\"", bashOutput);
        Assert.Contains("\"type\":\"token_revoked\"", bashOutput);
        Assert.Contains("\"actor\":{\"kind\":\"client\",\"id\":\"platform-admin\"}", bashOutput);
        var secrets = SecretsLine().Match(bashOutput);
        Assert.True(secrets.Success, bashOutput);

        var environment = new Dictionary<string, string>
        {
            ["PLATFORM_ISSUER"] = cluster.Issuer.AbsoluteUri,
            ["SHOP_CLIENT_SECRET"] = secrets.Groups[1].Value,
            ["INVENTORY_API_SECRET"] = secrets.Groups[2].Value,
            ["STOCK_SYNC_SECRET"] = secrets.Groups[3].Value,
        };
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var pythonOutputs = new List<string>();
        foreach (var block in blocks.Where(b => b.Language == "python"))
        {
            var (exit, text) = await RunAsync(python, ["-c", block.Code], environment);
            Assert.True(exit == 0, $"a python snippet failed ({exit}):\n{block.Code}\n{text}");
            pythonOutputs.Add(text);
        }

        Assert.StartsWith("Bearer token, expires in", pythonOutputs[0]);
        Assert.StartsWith("200", pythonOutputs[1].Trim());
        Assert.Contains("(403, 'Bearer error=\"insufficient_scope\", scope=\"inventory.write\"')", pythonOutputs[1]);
        Assert.Contains("(401, 'Bearer error=\"invalid_token\"", pythonOutputs[1]);

        var compiled = Normalize(string.Concat(new[] { "samples", "libraries", "tests/Platform.Samples.Tests" }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, dir), "*.cs", SearchOption.AllDirectories))
            .Where(file => !file.Contains("/obj/", StringComparison.Ordinal) && !file.Contains("/bin/", StringComparison.Ordinal))
            .Select(File.ReadAllText)));
        foreach (var block in blocks.Where(b => b.Language == "csharp"))
        {
            Assert.True(compiled.Contains(Normalize(block.Code), StringComparison.Ordinal), $"this C# snippet is not in any compiled sample or test:\n{block.Code}");
        }

        using var http = new HttpClient();
        var token = await ReadmeSnippets.ClientCredentialsAsync(http, cluster.Issuer.AbsoluteUri, secrets.Groups[1].Value);
        Assert.False(token.IsError, token.Error);
        Assert.False(string.IsNullOrEmpty(token.AccessToken));
        Assert.InRange(token.ExpiresIn, 1, 3600);
    }

    private static IEnumerable<(string Language, string Code)> Blocks(string section)
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        var start = readme.IndexOf($"\n## {section}\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no section '{section}'");
        var end = readme.IndexOf("\n## ", start + 4, StringComparison.Ordinal);
        var text = readme[start..(end < 0 ? readme.Length : end)];
        // Every fenced block, also one indented in a list item (its lines lose that indentation, as a reader copies them).
        return Fence().Matches(text).Select(m =>
        {
            Assert.True(m.Groups["lang"].Value is "bash" or "python" or "csharp", $"a README snippet in '{section}' that this test cannot run:\n{m.Value}");
            var indent = m.Groups["indent"].Value.Length;
            var lines = m.Groups["code"].Value.Split('\n').Select(line => line.Length >= indent && line[..indent].Trim().Length == 0 ? line[indent..] : line);
            return (m.Groups["lang"].Value, string.Join('\n', lines));
        });
    }

    /// <summary>A snippet's process, as a reader's shell starts it: in the snippets' folder, with the environment given.</summary>
    private ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, bool input = false)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = folder,
            RedirectStandardInput = input,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private async Task<(int Exit, string Output)> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        using var process = Process.Start(StartInfo(program, arguments, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        var text = await stdout + await stderr;
        output.WriteLine($"$ {program}\n{text}");
        return (process.ExitCode, text);
    }

    private static string Normalize(string code) => Whitespace().Replace(code, " ").Trim();

    [GeneratedRegex(@"^(?<indent>[ ]*)```(?<lang>\w*)\n(?<code>.*?)^\k<indent>```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"SECRETS (\S+) (\S+) (\S+)")]
    private static partial Regex SecretsLine();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
}
