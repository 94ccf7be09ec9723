using System.CommandLine;
using Platform.Cli.Connection;
using Platform.Cli.Output;

namespace Platform.Cli;

/// <summary>What a command's action needs: its printer, Platform's API (resolved on first use), standard input.</summary>
public sealed class RunContext(GlobalOptions globals, CliConsole console, Func<string, string?> environment, string currentDirectory, HttpMessageHandler? handler) : IDisposable
{
    private HttpClient? http;

    public GlobalOptions Globals => globals;

    public CliConsole Console => console;

    public Printer Printer(ParseResult parse) => new(console, parse.GetValue(globals.Json));

    public PlatformApi Api(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var target = Target.Resolve(parse.GetValue(globals.Issuer), parse.GetValue(globals.ClientId), clientSecret: null, environment, currentDirectory);
        http ??= handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.Timeout = TimeSpan.FromSeconds(30);
        return new PlatformApi(http, target);
    }

    /// <summary>Adds the action to <paramref name="command"/>: the handler runs, and its failures become exit codes in <see cref="Cli"/>.</summary>
    public Command Runs(Command command, Func<ParseResult, CancellationToken, Task> action)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await action(parse, cancellationToken);
            return ExitCodes.Ok;
        });
        return command;
    }

    public void Dispose() => http?.Dispose();
}
