using Platform.Cli;

// ./platform clients|users|scopes|grants|tokens|audit ...: see Cli.Describe for the exit codes.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
return await Cli.RunAsync(args, new CliConsole(Console.In, Console.Out, Console.Error), Environment.GetEnvironmentVariable, cancellationToken: cancel.Token);
