namespace Platform.Demo;

/// <summary>
/// The secrets of the clients the demo registered, kept in the state folder (<c>demo-clients.env</c>, mode
/// 600) so that the next run reuses them: Platform shows a secret only once.
/// </summary>
public sealed class DemoSecrets(string path)
{
    private readonly Dictionary<string, string> secrets = Read(path);

    public string Path { get; } = path;

    public string? Find(string clientId) => secrets.GetValueOrDefault(clientId);

    public void Save(string clientId, string secret)
    {
        secrets[clientId] = secret;
        var lines = new List<string> { "# Written by ./platform demo: secrets of the clients it registered. Local use only." };
        lines.AddRange(secrets.Select(pair => $"{pair.Key}={pair.Value}"));
        var temporary = Path + ".tmp";
        File.WriteAllText(temporary, "");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllLines(temporary, lines);
        File.Move(temporary, Path, overwrite: true);
    }

    private static Dictionary<string, string> Read(string path)
    {
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return secrets;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (!line.StartsWith('#') && equals > 0)
            {
                secrets[line[..equals]] = line[(equals + 1)..];
            }
        }

        return secrets;
    }
}
