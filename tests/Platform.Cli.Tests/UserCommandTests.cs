using Microsoft.Playwright;
using Platform.EndToEnd.Tests;
using Platform.Testing;
using Xunit;

namespace Platform.Cli.Tests;

/// <summary><c>./platform users ...</c> against a running Platform, with the users signing in in a real browser.</summary>
[Collection(CliCollection.Name)]
public sealed class UserCommandTests(CliFixture cli)
{
    private PlatformCluster Cluster => cli.Cluster;

    [Fact]
    public async Task UsersAdd_WithoutPassword_PrintsAGeneratedPasswordOnceWithWhichTheUserSignsIn()
    {
        var username = ClientCommandTests.NewId("ann");

        var added = await cli.RunAsync("users", "add", username, "--email", $"{username}@example.com", "--name", "Ann Example");

        Assert.True(added.ExitCode == 0, added.ToString());
        var lines = added.Out.Split('\n');
        var password = lines[Array.FindIndex(lines, line => line.StartsWith("Password (generated", StringComparison.Ordinal)) + 1].Trim();
        var shown = await cli.RunAsync("users", "show", username, "--json");
        var listed = await cli.RunAsync("users", "list");
        Assert.Equal(username, shown.Json.GetProperty("username").GetString());
        Assert.Equal("Ann Example", shown.Json.GetProperty("name").GetString());
        Assert.DoesNotContain(password, shown.Out + listed.Out);
        Assert.Contains(listed.Out.Split('\n'), line => line.Contains(username) && line.Contains("enabled"));

        using var callback = new CallbackListener();
        var client = await AddWebClientAsync(callback);
        await using var browser = await Browser.LaunchAsync();
        var tokens = await UserSignIn.SignInAsync(Cluster, await browser.NewPageAsync(), client, callback, username, password, consent: false);
        Assert.Equal(shown.Json.GetProperty("id").GetString(), (await Cluster.WaitForActiveAsync(tokens.AccessToken!, active: true)).GetProperty("sub").GetString());
    }

    [Fact]
    public async Task UsersDisable_TheirTokensBecomeInactive_AndEnableLetsThemSignInAgain()
    {
        var username = ClientCommandTests.NewId("bob");
        var password = PlatformCluster.NewSecret()[..20];
        Assert.Equal(0, (await cli.RunWithInputAsync(password + "\n", "users", "add", username, "--password-stdin")).ExitCode);
        using var callback = new CallbackListener();
        var client = await AddWebClientAsync(callback);
        await using var browser = await Browser.LaunchAsync();
        var tokens = await UserSignIn.SignInAsync(Cluster, await browser.NewPageAsync(), client, callback, username, password, consent: false);
        await Cluster.WaitForActiveAsync(tokens.AccessToken!, active: true);

        var disabled = await cli.RunAsync("users", "disable", username, "--reason", "left the company");

        Assert.True(disabled.ExitCode == 0, disabled.ToString());
        await Cluster.WaitForActiveAsync(tokens.AccessToken!, active: false);
        Assert.True((await UserSignIn.RefreshAsync(Cluster, client, tokens.RefreshToken!)).IsError, "a disabled user's refresh token must not work");
        Assert.False((await cli.RunAsync("users", "show", username, "--json")).Json.GetProperty("enabled").GetBoolean());

        var enabled = await cli.RunAsync("users", "enable", username, "--json");

        Assert.True(enabled.Json.GetProperty("enabled").GetBoolean());
        var again = await UserSignIn.SignInAsync(Cluster, await browser.NewPageAsync(), client, callback, username, password, consent: false);
        await Cluster.WaitForActiveAsync(again.AccessToken!, active: true);
        Assert.False((await Cluster.IntrospectAsync(tokens.AccessToken!)).GetProperty("active").GetBoolean());
        var timeline = await cli.RunAsync("audit", "subject", username, "--json");
        Assert.Contains(timeline.Json.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "user_disabled");
    }

    [Fact]
    public async Task UsersUnlock_ALockedOutUser_CanSignInAgain()
    {
        var username = ClientCommandTests.NewId("cat");
        var password = PlatformCluster.NewSecret()[..20];
        Assert.Equal(0, (await cli.RunWithInputAsync(password + "\n", "users", "add", username, "--password-stdin")).ExitCode);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(Cluster.Issuer, "account/login").AbsoluteUri);
        await Eventually.TrueAsync(async () =>
        {
            await page.GetByLabel("User name or e-mail").FillAsync(username);
            await page.GetByLabel("Password").FillAsync("wrong password");
            // Wait for the refused attempt's page: a form still loading would wipe the next fields filled in.
            await page.EvaluateAsync("() => window.beforeSubmit = true");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.WaitForFunctionAsync("() => window.beforeSubmit === undefined && document.readyState === 'complete'");
            return (await cli.RunAsync("users", "show", username, "--json")).Json.GetProperty("lockedOut").GetBoolean();
        }, "five wrong passwords did not lock the user out");

        var unlocked = await cli.RunAsync("users", "unlock", username);

        Assert.True(unlocked.ExitCode == 0, unlocked.ToString());
        Assert.False((await cli.RunAsync("users", "show", username, "--json")).Json.GetProperty("lockedOut").GetBoolean());
        await page.GetByLabel("User name or e-mail").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(new Uri(Cluster.Issuer, "account/apps").AbsoluteUri);
        Assert.Contains($"({username})", await page.InnerTextAsync("main"));
    }

    [Fact]
    public async Task UsersResetPassword_GeneratedOrFromStdin()
    {
        var username = ClientCommandTests.NewId("dan");
        Assert.Equal(0, (await cli.RunWithInputAsync("first-password-123\n", "users", "add", username, "--password-stdin")).ExitCode);

        var generated = await cli.RunAsync("users", "reset-password", username);
        var chosen = await cli.RunWithInputAsync("second-password-456\n", "users", "reset-password", username, "--password-stdin", "--json");
        var empty = await cli.RunWithInputAsync("", "users", "reset-password", username, "--password-stdin");

        Assert.True(generated.ExitCode == 0, generated.ToString());
        Assert.Contains("Password (generated", generated.Out);
        Assert.True(chosen.ExitCode == 0, chosen.ToString());
        Assert.DoesNotContain("second-password-456", chosen.Out);
        Assert.Equal(2, empty.ExitCode);
    }

    [Fact]
    public async Task UsersUpdate_ChangesOnlyTheGivenField()
    {
        var username = ClientCommandTests.NewId("fay");
        Assert.Equal(0, (await cli.RunAsync("users", "add", username, "--email", $"{username}@example.com", "--name", "Fay Before")).ExitCode);

        var updated = await cli.RunAsync("users", "update", username, "--name", "Fay After");
        var nothing = await cli.RunAsync("users", "update", username);
        var shown = await cli.RunAsync("users", "show", username, "--json");

        Assert.True(updated.ExitCode == 0, updated.ToString());
        Assert.Equal("Fay After", shown.Json.GetProperty("name").GetString());
        Assert.Equal($"{username}@example.com", shown.Json.GetProperty("email").GetString());
        Assert.Equal(2, nothing.ExitCode);
    }

    [Fact]
    public async Task UsersAdd_TakenNameOrInvalidField_ExitsOne()
    {
        var taken = await cli.RunAsync("users", "add", Cluster.User.UserName);
        var invalid = await cli.RunAsync("users", "add", ClientCommandTests.NewId("eve"), "--email", "not an address", "--json");
        var unknown = await cli.RunAsync("users", "disable", ClientCommandTests.NewId("nobody"));

        Assert.Equal(1, taken.ExitCode);
        Assert.Equal(1, invalid.ExitCode);
        Assert.True(invalid.ErrorJson.GetProperty("errors").TryGetProperty("email", out _), invalid.Error);
        Assert.Equal(1, unknown.ExitCode);
    }

    private async Task<(string Id, string Secret)> AddWebClientAsync(CallbackListener callback)
    {
        var clientId = ClientCommandTests.NewId("users-web");
        var added = await cli.RunAsync("clients", "add", clientId, "--redirect-uri", callback.RedirectUri.AbsoluteUri, "--consent", "implicit", "--json");
        Assert.True(added.ExitCode == 0, added.ToString());
        return (clientId, added.Json.GetProperty("clientSecret").GetString()!);
    }
}
