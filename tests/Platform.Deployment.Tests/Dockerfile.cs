using Platform.Testing;

namespace Platform.Deployment.Tests;

/// <summary>A Dockerfile as its instructions, grouped by stage (continuation lines joined, comments dropped).</summary>
public sealed class Dockerfile
{
    private Dockerfile(IReadOnlyList<Stage> stages) => Stages = stages;

    public IReadOnlyList<Stage> Stages { get; }
    public Stage Runtime => Stages[^1];

    public static string PathOf(string service) => $"infra/docker/{service}.Dockerfile";

    public static Dockerfile Load(string service)
    {
        var stages = new List<Stage>();
        var logical = string.Empty;
        foreach (var raw in File.ReadAllLines(System.IO.Path.Combine(RepositoryRoot.Path, PathOf(service))))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && logical.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                logical += line[..^1] + " ";
                continue;
            }

            logical += line;
            var space = logical.IndexOf(' ', StringComparison.Ordinal);
            var instruction = new Instruction(logical[..space].ToUpperInvariant(), logical[(space + 1)..].Trim());
            if (instruction.Keyword == "FROM")
            {
                stages.Add(new Stage(instruction.Arguments));
            }

            stages[^1].Instructions.Add(instruction);
            logical = string.Empty;
        }

        return new Dockerfile(stages);
    }

    public sealed record Stage(string From)
    {
        public List<Instruction> Instructions { get; } = [];
        public string Image => From.Split(' ')[0];
        public IEnumerable<string> All(string keyword) => Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);
    }

    public sealed record Instruction(string Keyword, string Arguments);
}
