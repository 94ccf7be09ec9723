using Platform.ServiceDefaults;
using Platform.Testing;
using Xunit;

namespace Platform.Deployment.Tests;

/// <summary>The README's first commands and configuration table stay true to the code.</summary>
public sealed class ReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));

    [Fact]
    public void Readme_ConfigurationTable_DocumentsEverySetting()
    {
        foreach (var setting in PlatformSettings.All)
        {
            Assert.Contains($"`{setting.EnvironmentVariable}`", Readme, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Readme_FirstCommands_AreUpAndTest()
    {
        var up = Readme.IndexOf("./platform up", StringComparison.Ordinal);
        var test = Readme.IndexOf("./platform test", StringComparison.Ordinal);
        Assert.InRange(up, 0, 2_000);
        Assert.InRange(test, up, 2_500);
    }
}
