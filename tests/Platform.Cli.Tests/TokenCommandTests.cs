using Xunit;

namespace Platform.Cli.Tests;

/// <summary><c>./platform tokens revoke</c> against a running Platform.</summary>
[Collection(CliCollection.Name)]
public sealed class TokenCommandTests(CliFixture cli)
{
    [Fact]
    public async Task TokensRevoke_ByItsJti_MakesTheTokenInactive()
    {
        var token = await cli.Cluster.GetTokenAsync(cli.Cluster.Admin, "platform.audit");
        var jti = (await cli.Cluster.WaitForActiveAsync(token, active: true)).GetProperty("jti").GetString()!;

        var revoked = await cli.RunAsync("tokens", "revoke", jti, "--json");

        Assert.True(revoked.ExitCode == 0, revoked.ToString());
        Assert.True(revoked.Json.GetProperty("revoked").GetBoolean());
        await cli.Cluster.WaitForActiveAsync(token, active: false);
    }

    [Fact]
    public async Task TokensRevoke_UnknownId_ExitsOne()
    {
        var revoked = await cli.RunAsync("tokens", "revoke", Guid.NewGuid().ToString());

        Assert.Equal(1, revoked.ExitCode);
        Assert.Contains("token", revoked.Error);
    }
}
