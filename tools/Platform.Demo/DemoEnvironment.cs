namespace Platform.Demo;

/// <summary>The <c>KEY='value'</c> lines of <c>demo.env</c>, as <c>./platform up</c> writes them.</summary>
public sealed class DemoEnvironment(IReadOnlyDictionary<string, string> values, string path)
{
    public static DemoEnvironment Read(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(path))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (!line.StartsWith('#') && equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..].Trim('\'');
            }
        }

        return new DemoEnvironment(values, path);
    }

    public string Require(string key) =>
        values.TryGetValue(key, out var value) && value.Length > 0 ? value : throw new DemoException($"{path} has no {key}: run ./platform up again.");

    public static int Port(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), out var port) ? port : fallback;
}
