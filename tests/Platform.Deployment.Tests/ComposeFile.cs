using Platform.Testing;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Platform.Deployment.Tests;

/// <summary>docker-compose.yml as data (anchors and merge keys resolved), since no Docker engine runs here to try it.</summary>
public sealed class ComposeFile
{
    private ComposeFile(Dictionary<string, object> root) => Root = root;

    public Dictionary<string, object> Root { get; }

    public static ComposeFile Load()
    {
        using var reader = new StreamReader(Path.Combine(RepositoryRoot.Path, "docker-compose.yml"));
        var parser = new MergingParser(new Parser(reader));
        var root = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(parser);
        return new ComposeFile(root);
    }

    public IReadOnlyDictionary<string, Dictionary<object, object>> Services =>
        ((Dictionary<object, object>)Root["services"]).ToDictionary(s => (string)s.Key, s => (Dictionary<object, object>)s.Value);

    public IReadOnlyDictionary<string, string> Environment(string service) =>
        Services[service].TryGetValue("environment", out var environment)
            ? ((Dictionary<object, object>)environment).ToDictionary(e => (string)e.Key, e => e.Value?.ToString() ?? string.Empty)
            : new Dictionary<string, string>();

    public IReadOnlyList<string> Ports(string service) =>
        Services[service].TryGetValue("ports", out var ports) ? ((List<object>)ports).Select(p => p.ToString()!).ToList() : [];
}
