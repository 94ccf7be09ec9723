using System.CommandLine;
using System.CommandLine.Help;
using Platform.Cli.Commands;
using Platform.Cli.Output;

namespace Platform.Cli;

/// <summary>
/// The operator's command line: <c>./platform clients|users|scopes|grants|tokens|audit ...</c> against a
/// running Platform, through the gateway, as the administration client.
/// </summary>
public static class Cli
{
    public const string Describe = """
        Administer a running Platform through its gateway, as the administration client.

        Platform's address and the administration client come from --issuer/--client-id, else the environment
        (PLATFORM_ISSUER, PLATFORM_ADMIN_CLIENT_ID, PLATFORM_ADMIN_CLIENT_SECRET), else the demo.env that
        './platform up' writes (in PLATFORM_STATE_DIR, else .platform/). The secret is never taken from the
        command line, where other users of the machine could read it.

        Output is a table for people; --json prints one JSON document instead. Secrets Platform generates
        (a client's secret, a user's password) are printed once, in the answer of the command that makes them.

        Exit codes:
          0  done
          1  Platform said no: validation errors (each field and why is printed), not found, conflict, refused credentials
          2  usage error: unknown command or option, missing argument, Platform's address or credentials not known
          3  Platform cannot be reached (nothing listens at the issuer, a timeout, a service behind the gateway is down)
        """;

    /// <summary>Runs one command line; returns the exit code (<see cref="ExitCodes"/>).</summary>
    /// <param name="environment">Reads an environment variable (the process's own, or a test's).</param>
    /// <param name="handler">The HTTP handler to reach Platform with (tests); a fresh one when null.</param>
    public static async Task<int> RunAsync(
        IReadOnlyList<string> args, CliConsole console, Func<string, string?> environment,
        HttpMessageHandler? handler = null, string? currentDirectory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(console);
        var globals = new GlobalOptions();
        var context = new RunContext(globals, console, environment, currentDirectory ?? Directory.GetCurrentDirectory(), handler);
        var root = new Command("platform", Describe);
        root.Options.Add(new HelpOption());
        globals.AddTo(root);
        root.Subcommands.Add(ClientCommands.Create(context));
        root.Subcommands.Add(UserCommands.Create(context));
        root.Subcommands.Add(ScopeCommands.Create(context));
        root.Subcommands.Add(GrantCommands.Create(context));
        root.Subcommands.Add(TokenCommands.Create(context));
        root.Subcommands.Add(AuditCommands.Create(context));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not { ClearsParseErrors: true })
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync($"platform: {error.Message}");
            }

            var command = string.Join(' ', parse.CommandResult.Command.Name == root.Name ? [] : CommandPath(parse.CommandResult.Command, root));
            await console.Error.WriteLineAsync($"Run './platform {command}{(command.Length == 0 ? "" : " ")}--help' for the commands and options.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (CliException failure)
        {
            new Printer(console, parse.GetValue(globals.Json)).Failure(failure);
            return failure.ExitCode;
        }
        finally
        {
            context.Dispose();
        }
    }

    private static List<string> CommandPath(Command command, Command root)
    {
        var names = new List<string>();
        for (var current = command; current is not null && current != root; current = current.Parents.OfType<Command>().FirstOrDefault())
        {
            names.Insert(0, current.Name);
        }

        return names;
    }
}
