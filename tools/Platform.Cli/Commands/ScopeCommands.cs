using System.CommandLine;
using Platform.Cli.Connection;
using Platform.Cli.Output;

namespace Platform.Cli.Commands;

/// <summary><c>./platform scopes add|list</c> over <c>/admin/scopes</c>.</summary>
internal static class ScopeCommands
{
    private const string Path = "admin/scopes";

    public static Command Create(RunContext run)
    {
        var scopes = new Command("scopes", "Define the scopes clients ask for and the APIs (resources, audiences) each one grants.");
        scopes.Subcommands.Add(Add(run));
        scopes.Subcommands.Add(List(run));
        return scopes;
    }

    private static Command Add(RunContext run)
    {
        var name = Arguments.Required("name", "The scope's name, as clients ask for it (no spaces).");
        var displayName = Arguments.Text("--display-name", "What the consent page says it lets an application do.");
        var description = Arguments.Text("--description", "A longer description.");
        var resources = Arguments.List("--resource", "An API (the audience of the tokens) this scope grants access to.");
        var command = new Command("add", "Define a scope.") { name, displayName, description, resources };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var answer = await run.Api(parse).SendAsync(HttpMethod.Post, Path, new
            {
                name = parse.GetValue(name),
                displayName = parse.GetValue(displayName),
                description = parse.GetValue(description),
                resources = parse.Values(resources) ?? [],
            }, PlatformApi.AdminScope, cancellationToken);
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(answer);
            }
            else
            {
                var granted = answer is { } scope ? scope.Text("resources") : "";
                printer.Line($"Defined scope {parse.GetValue(name)}" + (granted.Length == 0 ? "." : $": tokens for it are meant for {granted}."));
            }
        });
    }

    private static Command List(RunContext run)
    {
        var command = new Command("list", "List every scope.");
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var answer = await run.Api(parse).GetAsync(Path, PlatformApi.AdminScope, cancellationToken);
            run.Printer(parse).List(answer, ["name", "display name", "resources", "description"], scope => (IReadOnlyList<string>)
            [
                scope.Text("name"), scope.Text("displayName"), scope.Text("resources"), scope.Text("description"),
            ]);
        });
    }
}
