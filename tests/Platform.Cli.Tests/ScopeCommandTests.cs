using Xunit;

namespace Platform.Cli.Tests;

/// <summary><c>./platform scopes ...</c> against a running Platform.</summary>
[Collection(CliCollection.Name)]
public sealed class ScopeCommandTests(CliFixture cli)
{
    [Fact]
    public async Task ScopesAdd_ThenList_ShowsTheScopeAndItsResources()
    {
        var name = ClientCommandTests.NewId("orders.read");

        var added = await cli.RunAsync("scopes", "add", name, "--display-name", "Read your orders", "--resource", "orders-api");
        var table = await cli.RunAsync("scopes", "list");
        var json = await cli.RunAsync("scopes", "list", "--json");

        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.Contains("orders-api", added.Out);
        Assert.Contains(table.Out.Split('\n'), line => line.StartsWith(name + " ", StringComparison.Ordinal) && line.Contains("Read your orders") && line.Contains("orders-api"));
        var scope = Assert.Single(json.Json.EnumerateArray(), s => s.GetProperty("name").GetString() == name);
        Assert.Equal(["orders-api"], scope.GetProperty("resources").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task ScopesAdd_ExistingOrInvalidName_ExitsOne()
    {
        var existing = await cli.RunAsync("scopes", "add", "api");
        var invalid = await cli.RunAsync("scopes", "add", "two words");

        Assert.Equal(1, existing.ExitCode);
        Assert.Contains("api", existing.Error);
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("name: ", invalid.Error);
    }
}
