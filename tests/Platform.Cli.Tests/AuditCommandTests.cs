using System.Globalization;
using Xunit;

namespace Platform.Cli.Tests;

/// <summary><c>./platform audit ...</c> against a running Platform (the audit API, scope platform.audit).</summary>
[Collection(CliCollection.Name)]
public sealed class AuditCommandTests(CliFixture cli)
{
    [Fact]
    public async Task AuditToken_ShowsItsHistoryAndWhetherItWasActiveAtATime()
    {
        var clientId = ClientCommandTests.NewId("audited");
        var secret = (await cli.RunAsync("clients", "add", clientId, "--scope", "api", "--json")).Json.GetProperty("clientSecret").GetString()!;
        var token = await cli.Cluster.GetTokenAsync((clientId, secret), "api");
        var jti = (await cli.Cluster.WaitForActiveAsync(token, active: true)).GetProperty("jti").GetString()!;
        var activeAt = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        Assert.Equal(0, (await cli.RunAsync("tokens", "revoke", jti)).ExitCode);

        var history = await cli.RunAsync("audit", "token", jti);
        var json = await cli.RunAsync("audit", "token", jti, "--json");
        var then = await cli.RunAsync("audit", "token", jti, "--at", activeAt);
        var now = await cli.RunAsync("audit", "token", jti, "--at", DateTimeOffset.UtcNow.AddSeconds(1).ToString("O", CultureInfo.InvariantCulture), "--json");

        Assert.True(history.ExitCode == 0, history.ToString());
        Assert.Contains(history.Out.Split('\n'), line => line.Contains("token_issued") && line.Contains($"client:{clientId}"));
        Assert.Contains(history.Out.Split('\n'), line => line.Contains("token_revoked"));
        Assert.Contains(json.Json.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "token_revoked" && e.GetProperty("reason").GetString() == "admin");
        Assert.Equal(["token_issued", "token_revoked"], json.Json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).Where(t => t is "token_issued" or "token_revoked"));
        Assert.Contains("was active", then.Out);
        Assert.False(now.Json.GetProperty("active").GetBoolean());
        Assert.Equal("revoked", now.Json.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AuditClient_ShowsTheClientsTimeline()
    {
        var clientId = ClientCommandTests.NewId("timeline");
        Assert.Equal(0, (await cli.RunAsync("clients", "add", clientId, "--scope", "api")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("clients", "disable", clientId, "--reason", "audit test")).ExitCode);

        var timeline = await cli.RunAsync("audit", "client", clientId, "--json");

        Assert.True(timeline.ExitCode == 0, timeline.ToString());
        var types = timeline.Json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        Assert.Contains("client_registered", types);
        Assert.Contains("client_disabled", types);
        Assert.Contains(timeline.Json.GetProperty("events").EnumerateArray(), e => e.TryGetProperty("reason", out var reason) && reason.GetString() == "audit test");
    }

    [Fact]
    public async Task AuditToken_BadTimeOrUnknownToken_ExitsOneNamingTheProblem()
    {
        var badTime = await cli.RunAsync("audit", "token", Guid.NewGuid().ToString(), "--at", "yesterday");
        var unknown = await cli.RunAsync("audit", "token", Guid.NewGuid().ToString());

        Assert.Equal(1, badTime.ExitCode);
        Assert.Contains("time: ", badTime.Error);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no token stream", unknown.Error);
    }
}
