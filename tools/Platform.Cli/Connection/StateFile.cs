namespace Platform.Cli.Connection;

/// <summary>
/// <c>demo.env</c> as <c>./platform up</c> writes it: <c>KEY='value'</c> lines (values never contain quotes;
/// they are URLs, ids and base64url secrets), comments and blank lines.
/// </summary>
public static class StateFile
{
    public const string Name = "demo.env";

    public static Dictionary<string, string> Read(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith('#') || equals <= 0)
            {
                continue;
            }

            var key = line[..equals];
            if (key.StartsWith("export ", StringComparison.Ordinal))
            {
                key = key["export ".Length..].Trim();
            }

            var value = line[(equals + 1)..];
            if (value.Length >= 2 && (value[0] is '\'' or '"') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            values[key] = value;
        }

        return values;
    }
}
