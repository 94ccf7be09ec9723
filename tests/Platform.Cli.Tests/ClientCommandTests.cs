using Platform.EndToEnd.Tests;
using Platform.Testing;
using Xunit;

namespace Platform.Cli.Tests;

/// <summary><c>./platform clients ...</c> against a running Platform.</summary>
[Collection(CliCollection.Name)]
public sealed class ClientCommandTests(CliFixture cli)
{
    private PlatformCluster Cluster => cli.Cluster;

    [Fact]
    public async Task ClientsAdd_WebApp_PrintsTheSettingsWithWhichTheAppSignsTheDemoUserIn()
    {
        using var callback = new CallbackListener();
        var clientId = NewId("shop-web");

        var added = await cli.RunAsync("clients", "add", clientId, "--name", "Shop", "--redirect-uri", callback.RedirectUri.AbsoluteUri);

        Assert.True(added.ExitCode == 0, added.ToString());
        var settings = Settings(added.Out);
        Assert.Equal(Cluster.Issuer.AbsoluteUri, settings["Authority (issuer)"]);
        Assert.Equal(new Uri(Cluster.Issuer, ".well-known/openid-configuration").AbsoluteUri, settings["Discovery URL"]);
        Assert.Equal(clientId, settings["Client id"]);
        Assert.Equal(callback.RedirectUri.AbsoluteUri, settings["Redirect URI"]);
        Assert.Equal("openid profile email offline_access", settings["Scopes"]);
        var secret = settings["Client secret"].Split(' ')[0];

        await using var browser = await Browser.LaunchAsync();
        var tokens = await UserSignIn.SignInAsync(Cluster, await browser.NewPageAsync(), (clientId, secret), callback, Cluster.User.UserName, Cluster.User.Password);
        Assert.NotNull(tokens.IdentityToken);
        Assert.NotNull(tokens.RefreshToken);
        var introspection = await Cluster.WaitForActiveAsync(tokens.AccessToken!, active: true);
        Assert.Equal(clientId, introspection.GetProperty("client_id").GetString());
    }

    [Fact]
    public async Task ClientsAdd_Json_IsParseableAndTheSecretIsShownOnlyThere()
    {
        var clientId = NewId("stock-sync");

        var added = await cli.RunAsync("clients", "add", clientId, "--scope", "api", "--json");

        Assert.True(added.ExitCode == 0, added.ToString());
        var json = added.Json;
        Assert.Equal(clientId, json.GetProperty("clientId").GetString());
        var secret = json.GetProperty("clientSecret").GetString()!;
        Assert.Equal(["client_credentials"], json.GetProperty("grantTypes").EnumerateArray().Select(e => e.GetString()));
        var token = await Cluster.GetTokenAsync((clientId, secret), "api");
        Assert.True((await Cluster.IntrospectAsync(token)).GetProperty("active").GetBoolean());

        var shown = await cli.RunAsync("clients", "show", clientId, "--json");
        var listed = await cli.RunAsync("clients", "list");
        Assert.Equal(clientId, shown.Json.GetProperty("clientId").GetString());
        Assert.DoesNotContain(secret, shown.Out + listed.Out);
    }

    [Fact]
    public async Task ClientsAdd_HttpRedirectUriOffLoopback_ExitsOneNamingTheFieldAndWhy()
    {
        var refused = await cli.RunAsync("clients", "add", NewId("bad"), "--redirect-uri", "http://shop.example.com/callback");
        var refusedJson = await cli.RunAsync("clients", "add", NewId("bad"), "--redirect-uri", "http://shop.example.com/callback", "--json");

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("redirectUris: ", refused.Error);
        Assert.Contains("https", refused.Error);
        Assert.Equal("", refused.Out);
        Assert.Equal(1, refusedJson.ExitCode);
        Assert.Equal(400, refusedJson.ErrorJson.GetProperty("status").GetInt32());
        Assert.True(refusedJson.ErrorJson.GetProperty("errors").TryGetProperty("redirectUris", out _), refusedJson.Error);
    }

    [Fact]
    public async Task ClientsList_ShowsEveryClientAsATableAndAsJson()
    {
        var clientId = NewId("listed");
        Assert.Equal(0, (await cli.RunAsync("clients", "add", clientId, "--name", "Listed app", "--scope", "api")).ExitCode);

        var table = await cli.RunAsync("clients", "list");
        var json = await cli.RunAsync("clients", "list", "--json");

        Assert.Equal(0, table.ExitCode);
        Assert.StartsWith("CLIENT ID", table.Out);
        Assert.Contains(table.Out.Split('\n'), line => line.StartsWith(clientId + " ", StringComparison.Ordinal) && line.Contains("Listed app") && line.Contains("enabled"));
        Assert.Contains(json.Json.EnumerateArray(), client => client.GetProperty("clientId").GetString() == clientId);
        Assert.Contains(json.Json.EnumerateArray(), client => client.GetProperty("clientId").GetString() == Cluster.Admin.Id);
    }

    [Fact]
    public async Task ClientsUpdate_ChangesOnlyTheGivenFields()
    {
        var clientId = NewId("updated");
        Assert.Equal(0, (await cli.RunAsync("clients", "add", clientId, "--name", "Before", "--scope", "api")).ExitCode);

        var updated = await cli.RunAsync("clients", "update", clientId, "--name", "After", "--access-token-lifetime", "300");
        var shown = await cli.RunAsync("clients", "show", clientId, "--json");

        Assert.True(updated.ExitCode == 0, updated.ToString());
        Assert.Contains("After", updated.Out);
        Assert.Equal("After", shown.Json.GetProperty("displayName").GetString());
        Assert.Equal(300, shown.Json.GetProperty("accessTokenLifetimeSeconds").GetInt32());
        Assert.Equal(["api"], shown.Json.GetProperty("scopes").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task ClientsUpdate_NothingOrSomethingInvalid_ExitsTwoOrOne()
    {
        var clientId = NewId("unchanged");
        Assert.Equal(0, (await cli.RunAsync("clients", "add", clientId, "--scope", "api")).ExitCode);

        var nothing = await cli.RunAsync("clients", "update", clientId);
        var invalid = await cli.RunAsync("clients", "update", clientId, "--grant-type", "password");
        var unknown = await cli.RunAsync("clients", "update", NewId("missing"), "--name", "x");

        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("Nothing to update", nothing.Error);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("grantTypes: ", invalid.Error);
        Assert.Equal(1, unknown.ExitCode);
    }

    [Fact]
    public async Task ClientsRotateSecret_NewSecretWorksAndTheOldOneNoLonger()
    {
        var clientId = NewId("rotated");
        var oldSecret = (await cli.RunAsync("clients", "add", clientId, "--scope", "api", "--json")).Json.GetProperty("clientSecret").GetString()!;

        var rotated = await cli.RunAsync("clients", "rotate-secret", clientId);

        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        var newSecret = rotated.Out.Split('\n')[1].Trim();
        Assert.NotEqual(oldSecret, newSecret);
        Assert.Contains("The old secret no longer works.", rotated.Out);
        Assert.NotEmpty(await Cluster.GetTokenAsync((clientId, newSecret), "api"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Cluster.GetTokenAsync((clientId, oldSecret), "api"));
    }

    [Fact]
    public async Task ClientsDisable_ItsTokensBecomeInactive_AndEnableLetsItGetNewOnes()
    {
        var clientId = NewId("disabled");
        var secret = (await cli.RunAsync("clients", "add", clientId, "--scope", "api", "--json")).Json.GetProperty("clientSecret").GetString()!;
        var token = await Cluster.GetTokenAsync((clientId, secret), "api");
        await Cluster.WaitForActiveAsync(token, active: true);

        var disabled = await cli.RunAsync("clients", "disable", clientId, "--reason", "leaked secret");

        Assert.True(disabled.ExitCode == 0, disabled.ToString());
        await Cluster.WaitForActiveAsync(token, active: false);
        Assert.False((await cli.RunAsync("clients", "show", clientId, "--json")).Json.GetProperty("enabled").GetBoolean());
        // The token service may answer from its client look-up for Platform:Identity:LookupLifetime (5 s) more.
        await Eventually.TrueAsync(async () => await TryGetTokenAsync(clientId, secret) is null, "a disabled client still gets tokens");

        var enabled = await cli.RunAsync("clients", "enable", clientId, "--json");

        Assert.True(enabled.Json.GetProperty("enabled").GetBoolean());
        string? fresh = null;
        await Eventually.TrueAsync(async () => (fresh = await TryGetTokenAsync(clientId, secret)) is not null, "an enabled client gets no token");
        await Cluster.WaitForActiveAsync(fresh!, active: true);
        Assert.False((await Cluster.IntrospectAsync(token)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task ClientsShow_UnknownClient_ExitsOneSayingSo()
    {
        var missing = NewId("missing");

        var shown = await cli.RunAsync("clients", "show", missing);

        Assert.Equal(1, shown.ExitCode);
        Assert.Contains(missing, shown.Error);
    }

    private async Task<string?> TryGetTokenAsync(string clientId, string secret)
    {
        try
        {
            return await Cluster.GetTokenAsync((clientId, secret), "api");
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    internal static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    /// <summary>The "label  value" lines under "Put these in the application's settings:".</summary>
    private static Dictionary<string, string> Settings(string output) =>
        output.Split('\n')
            .SkipWhile(line => !line.StartsWith("Put these", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(line => line.StartsWith("  ", StringComparison.Ordinal))
            .Select(line => line.Trim().Split("  ", 2, StringSplitOptions.TrimEntries))
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());
}
