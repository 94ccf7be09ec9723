using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Platform.Testing;
using Xunit;

namespace Platform.Projection.Tests.Operations;

/// <summary>
/// docs/operations.md names only metrics and commands that exist: every metric in its table and its alerts is one
/// the services register (or a library's, seen published by a running service), every <c>platform.*</c> instrument
/// the services register is in the table, and every <c>./platform</c> command it shows is one the script accepts.
/// </summary>
public sealed partial class OperationsDocTests(ProjectionFixture fixture) : IClassFixture<ProjectionFixture>
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "operations.md"));
    private static readonly string[] Sources = Directory
        .EnumerateFiles(Path.Combine(RepositoryRoot.Path, "services"), "*.cs", SearchOption.AllDirectories)
        .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                       && !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
        .Select(File.ReadAllText)
        .ToArray();

    private static readonly HashSet<string> Registered = [.. Sources.SelectMany(source => InstrumentCreation().Matches(source)).Select(match => match.Groups[1].Value)];
    private static readonly HashSet<string> TagKeys = [.. Sources.SelectMany(source => TagKey().Matches(source)).Select(match => match.Groups[1].Value)];

    [Fact]
    public void MetricsTable_EveryName_IsRegisteredByAServiceOrPublishedByALibrary()
    {
        var published = PublishedInstruments();
        var table = TableColumn("| metric |", 0);

        Assert.NotEmpty(table);
        Assert.All(table, name => Assert.True(Registered.Contains(name) || published.Contains(name),
            $"docs/operations.md names the metric '{name}', which no service registers and no running library publishes."));
    }

    [Fact]
    public void MetricsTable_EveryPlatformInstrumentTheServicesRegister_IsDocumented()
    {
        var table = TableColumn("| metric |", 0).ToHashSet();

        Assert.Contains("platform.tokens.issued", Registered);
        Assert.All(Registered.Where(name => name.StartsWith("platform.", StringComparison.Ordinal)), name =>
            Assert.True(table.Contains(name), $"The services register '{name}', which docs/operations.md does not list."));
    }

    [Fact]
    public void Alerts_EveryMetricAndTagNamed_Exists()
    {
        var published = PublishedInstruments();
        var conditions = TableColumn("| alert |", 1).Concat(TableColumn("| metric |", 2)).ToList();
        var named = conditions.SelectMany(cell => Backticked().Matches(cell)).Select(match => match.Groups[1].Value)
            .Where(name => name.StartsWith("platform.", StringComparison.Ordinal) || name.StartsWith("http.", StringComparison.Ordinal) || name.StartsWith("oauth.", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(named);
        Assert.All(named, name => Assert.True(Registered.Contains(name) || published.Contains(name) || TagKeys.Contains(name) || name.StartsWith("http.", StringComparison.Ordinal),
            $"docs/operations.md's alerts name '{name}', which is no metric or tag of the services."));
    }

    [Fact]
    public void Prose_EveryPlatformDottedName_IsAMetricATagOrANameInTheCode()
    {
        var names = Backticked().Matches(Doc).Select(match => match.Groups[1].Value)
            .Where(name => PlatformName().IsMatch(name)).Distinct().ToList();

        Assert.All(names, name => Assert.True(
            Registered.Contains(name) || TagKeys.Contains(name) || Sources.Any(source => source.Contains(name, StringComparison.Ordinal)),
            $"docs/operations.md names '{name}', which the services never use."));
    }

    [Fact]
    public async Task Commands_EveryPlatformCommandShown_IsOneTheScriptAccepts()
    {
        var accepted = await ScriptCommandsAsync();
        var shown = ScriptCommand().Matches(Doc).Select(match => match.Groups[1].Value).Distinct().ToList();

        Assert.Contains("replay", shown);
        Assert.All(shown, command => Assert.True(accepted.Contains(command),
            $"docs/operations.md shows './platform {command}', which './platform help' does not list."));
    }

    /// <summary>The instruments a running service publishes, the libraries' included: the fixture's host has served requests.</summary>
    private HashSet<string> PublishedInstruments()
    {
        Assert.NotNull(fixture.Services);
        var names = new HashSet<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            lock (names)
            {
                names.Add(instrument.Name);
            }
        };
        listener.Start();
        return names;
    }

    /// <summary>The cells of column <paramref name="column"/> of the table whose header starts with <paramref name="header"/>, unquoted.</summary>
    private static List<string> TableColumn(string header, int column)
    {
        var lines = Doc.Split('\n');
        var start = Array.FindIndex(lines, line => line.StartsWith(header, StringComparison.Ordinal));
        Assert.True(start >= 0, $"docs/operations.md has no table starting '{header}'.");
        return lines.Skip(start + 2).TakeWhile(line => line.StartsWith('|'))
            .Select(line => line.Split('|')[column + 1].Trim())
            .Select(cell => column == 0 ? cell.Trim('`') : cell)
            .ToList();
    }

    private static async Task<HashSet<string>> ScriptCommandsAsync()
    {
        using var script = Process.Start(new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot.Path, "platform"), "help"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot.Path,
        })!;
        var help = await script.StandardOutput.ReadToEndAsync();
        await script.WaitForExitAsync();
        Assert.Equal(0, script.ExitCode);
        var commands = help.Split('\n').SkipWhile(line => !line.StartsWith("Commands:", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(line => line.Length == 0 || line.StartsWith(' '))
            .Select(line => HelpCommand().Match(line)).Where(match => match.Success).Select(match => match.Groups[1].Value)
            .ToHashSet();
        Assert.Contains("help", commands);
        return commands;
    }

    [GeneratedRegex(@"Create(?:Counter|Histogram|UpDownCounter|Gauge|ObservableGauge|ObservableCounter|ObservableUpDownCounter)(?:<[^>]+>)?\(\s*""([^""]+)""")]
    private static partial Regex InstrumentCreation();

    [GeneratedRegex(@"(?:KeyValuePair<string, object\?>\(|SetTag\(|new\()\s*""([a-z][a-z_]*\.[a-z_.]+)""")]
    private static partial Regex TagKey();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"^platform\.[a-z_]+(\.[a-z_]+)*$")]
    private static partial Regex PlatformName();

    [GeneratedRegex(@"\./platform ([a-z]+)")]
    private static partial Regex ScriptCommand();

    [GeneratedRegex(@"^  ([a-z]+)\b")]
    private static partial Regex HelpCommand();
}
