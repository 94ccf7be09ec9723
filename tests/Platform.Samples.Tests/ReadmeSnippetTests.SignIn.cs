using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Platform.Testing;
using Xunit;

namespace Platform.Samples.Tests;

/// <summary>
/// "Sign a user in" as a reader follows it: the authorize link <c>./platform up</c> prints, opened in a real
/// browser (Debian's Chromium) where the demo user signs in and allows; the address the browser is then sent
/// to (nothing listens there) goes into <c>CALLBACK_URL</c> for the bash block, and pasted into the C# program,
/// which is <c>samples/SignIn.Terminal</c> verbatim.
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task ReadmeSignIn_BrowserThenSnippets_TokensAndTheDemoUser()
    {
        var blocks = Blocks("Sign a user in").ToList();
        Assert.Equal(["bash", "csharp"], blocks.Select(b => b.Language));
        var demoEnv = new Dictionary<string, string>
        {
            ["PLATFORM_ISSUER"] = cluster.Issuer.AbsoluteUri,
            ["DEMO_WEB_CLIENT_ID"] = cluster.Web.Id,
            ["DEMO_WEB_CLIENT_SECRET"] = cluster.Web.Secret,
            ["DEMO_WEB_REDIRECT_URI"] = cluster.Web.RedirectUri.AbsoluteUri,
            ["DEMO_USERNAME"] = cluster.User.UserName,
            ["DEMO_PASSWORD"] = cluster.User.Password,
        };
        var platformScript = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "platform"));
        Assert.All(demoEnv.Keys, key => Assert.Contains($"\n{key}='", platformScript));
        Directory.CreateDirectory(Path.Combine(folder, ".platform"));
        await File.WriteAllLinesAsync(Path.Combine(folder, ".platform", "demo.env"), demoEnv.Select(p => $"{p.Key}='{p.Value}'"));

        var printedLink = PrintedAuthorizeLink().Match(platformScript);
        Assert.True(printedLink.Success, "./platform up prints no authorize link");
        var callbackUrl = await SignInInBrowserAsync(cluster.Issuer.AbsoluteUri + printedLink.Groups["path"].Value);
        var (bashExit, bashOutput) = await RunAsync("bash", ["-c", "set -euo pipefail\n" + blocks[0].Code],
            new Dictionary<string, string> { ["CALLBACK_URL"] = callbackUrl });
        Assert.True(bashExit == 0, $"the bash snippet failed ({bashExit}):\n{bashOutput}");
        var answers = JsonAnswers(bashOutput);
        Assert.Equal(3, answers.Count);
        Assert.All(["access_token", "id_token", "refresh_token"], name => Assert.True(answers[0].TryGetProperty(name, out _), $"no {name} in {answers[0]}"));
        Assert.Equal(cluster.User.UserName, answers[1].GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(answers[1].GetProperty("sub").GetString()));
        Assert.NotEqual(answers[0].GetProperty("refresh_token").GetString(), answers[2].GetProperty("refresh_token").GetString());

        var program = Path.Combine(RepositoryRoot.Path, "samples", "SignIn.Terminal");
        Assert.Equal(Normalize(await File.ReadAllTextAsync(Path.Combine(program, "Program.cs"))), Normalize(blocks[1].Code));
        var programOutput = await RunSignInProgramAsync(
            Path.Combine(program, "bin", ServiceProcess.Configuration, "net10.0", "SignIn.Terminal.dll"), demoEnv);
        Assert.Contains($"Signed in as {cluster.User.UserName} (sub {answers[1].GetProperty("sub").GetString()}); an ID token: True, a refresh token: True", programOutput);
        Assert.Contains("Refreshed: a new access token", programOutput);
    }

    /// <summary>The C# program, as a reader runs it: it prints a link, the reader signs in, pastes the address the browser went to.</summary>
    private async Task<string> RunSignInProgramAsync(string dll, IReadOnlyDictionary<string, string> environment)
    {
        using var process = Process.Start(StartInfo("dotnet", [dll], environment, input: true))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var text = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            string? link = null;
            while (link is null && await process.StandardOutput.ReadLineAsync().WaitAsync(timeout.Token) is { } line)
            {
                text.Add(line);
                link = line.Contains("/connect/authorize?", StringComparison.Ordinal) ? line.Trim() : null;
            }

            Assert.True(link is not null, "the program printed no authorize link (its output is above)");
            await process.StandardInput.WriteLineAsync(await SignInInBrowserAsync(link));
            process.StandardInput.Close();
            text.Add(await process.StandardOutput.ReadToEndAsync().WaitAsync(timeout.Token));
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            output.WriteLine($"$ dotnet {dll}\n{string.Join('\n', text)}\n{await stderr}");
        }

        Assert.True(process.ExitCode == 0, $"the C# program failed ({process.ExitCode}), its output is above");
        return string.Join('\n', text);
    }

    /// <summary>
    /// The demo user, in a fresh browser, opens the link, signs in and allows; the address the browser is sent
    /// to is what a reader copies from the address bar (nothing listens at the demo redirect URI).
    /// </summary>
    private async Task<string> SignInInBrowserAsync(string authorizeUrl)
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install Debian's chromium package ('./platform test' does).");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(authorizeUrl);
        await page.GetByLabel("User name or e-mail").FillAsync(cluster.User.UserName);
        await page.GetByLabel("Password").FillAsync(cluster.User.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var callback = await page.RunAndWaitForRequestAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync(),
            request => request.Url.StartsWith(cluster.Web.RedirectUri.AbsoluteUri, StringComparison.Ordinal));
        output.WriteLine($"the browser was sent to {callback.Url}");
        return callback.Url;
    }

    /// <summary>The JSON documents the bash block printed, one after the other (the token endpoint's are indented).</summary>
    private static List<JsonElement> JsonAnswers(string text)
    {
        var answers = new List<JsonElement>();
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(text), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read())
        {
            answers.Add(JsonElement.ParseValue(ref reader));
        }

        return answers;
    }

    [GeneratedRegex(@"^\s*\$\{ISSUER\}(?<path>connect/authorize\?\S+)$", RegexOptions.Multiline)]
    private static partial Regex PrintedAuthorizeLink();
}
