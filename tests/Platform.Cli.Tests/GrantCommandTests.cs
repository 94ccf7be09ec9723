using Platform.EndToEnd.Tests;
using Platform.Testing;
using Xunit;

namespace Platform.Cli.Tests;

/// <summary><c>./platform grants ...</c> against a running Platform, with a grant a user made in a real browser.</summary>
[Collection(CliCollection.Name)]
public sealed class GrantCommandTests(CliFixture cli)
{
    private PlatformCluster Cluster => cli.Cluster;

    [Fact]
    public async Task GrantsRevoke_TheUsersGrant_ItsTokensBecomeInactiveAndRefreshIsRefused()
    {
        using var callback = new CallbackListener();
        var clientId = ClientCommandTests.NewId("granted");
        var secret = (await cli.RunAsync("clients", "add", clientId, "--redirect-uri", callback.RedirectUri.AbsoluteUri, "--json")).Json.GetProperty("clientSecret").GetString()!;
        await using var browser = await Browser.LaunchAsync();
        var tokens = await UserSignIn.SignInAsync(Cluster, await browser.NewPageAsync(), (clientId, secret), callback, Cluster.User.UserName, Cluster.User.Password);
        var subject = (await Cluster.WaitForActiveAsync(tokens.AccessToken!, active: true)).GetProperty("sub").GetString()!;

        var byClient = await cli.RunAsync("grants", "list", "--client", clientId, "--json");
        var bySubject = await cli.RunAsync("grants", "list", "--user", subject);

        Assert.True(byClient.ExitCode == 0, byClient.ToString());
        var grant = Assert.Single(byClient.Json.EnumerateArray());
        var grantId = grant.GetProperty("id").GetString()!;
        Assert.Equal(subject, grant.GetProperty("subject").GetString());
        Assert.Contains("offline_access", grant.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Contains(bySubject.Out.Split('\n'), line => line.StartsWith(grantId, StringComparison.Ordinal) && line.Contains(clientId) && line.Contains("valid"));

        var revoked = await cli.RunAsync("grants", "revoke", grantId);

        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        await Cluster.WaitForActiveAsync(tokens.AccessToken!, active: false);
        var refreshed = await UserSignIn.RefreshAsync(Cluster, (clientId, secret), tokens.RefreshToken!);
        Assert.Equal("invalid_grant", refreshed.Error);
        Assert.Equal("revoked", (await cli.RunAsync("grants", "list", "--client", clientId, "--json")).Json[0].GetProperty("status").GetString());
        var audit = await cli.RunAsync("audit", "grant", grantId, "--json");
        Assert.Contains(audit.Json.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "grant_revoked");
    }

    [Fact]
    public async Task GrantsList_WithoutExactlyOneOfUserAndClient_ExitsTwo()
    {
        var neither = await cli.RunAsync("grants", "list");
        var both = await cli.RunAsync("grants", "list", "--user", "demo", "--client", "demo-web");

        Assert.Equal(2, neither.ExitCode);
        Assert.Contains("exactly one of --user and --client", neither.Error);
        Assert.Equal(2, both.ExitCode);
    }

    [Fact]
    public async Task GrantsRevoke_UnknownGrant_ExitsOne()
    {
        var revoked = await cli.RunAsync("grants", "revoke", Guid.NewGuid().ToString());

        Assert.Equal(1, revoked.ExitCode);
    }
}
