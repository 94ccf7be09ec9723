using System.Globalization;
using System.Runtime.InteropServices;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Weasel.Core.Migrations;

namespace Platform.ServiceDefaults;

/// <summary>
/// The commands a release runs against PostgreSQL before its services take traffic (infra/k8s: the
/// <c>platform-schema</c> Job and each Deployment's init container). They build the service as it would start
/// (same settings, same checks) but start nothing: no listener, no relay, no broker connection.
/// <list type="bullet">
/// <item><c>apply-schema</c>: brings every Marten store and the service's own tables to this release, runs the
/// seeders when <c>Platform:Seed:File</c> is set, exits 0.</item>
/// <item><c>wait-for-schema [--timeout SECONDS]</c>: changes nothing; exits 0 once the database matches this
/// release, 1 when it still does not at the bound (default 300 s).</item>
/// </list>
/// </summary>
public sealed record SchemaCommand(string Name, TimeSpan Timeout)
{
    public const string Apply = "apply-schema";
    public const string Wait = "wait-for-schema";
    public const int FailureExitCode = 1;
    public const int UsageExitCode = 64;

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    /// <summary>The command in <paramref name="args"/>, or null when the service runs as a server.</summary>
    /// <exception cref="ArgumentException">The command's options are not understood (the message says why).</exception>
    public static SchemaCommand? Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is not (Apply or Wait))
        {
            return null;
        }

        var timeout = DefaultTimeout;
        var rest = args.Skip(1).ToList();
        if (args[0] == Wait && rest.Count == 2 && rest[0] == "--timeout")
        {
            if (!int.TryParse(rest[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
            {
                throw new ArgumentException($"--timeout takes a whole number of seconds above 0, not '{rest[1]}'.");
            }

            timeout = TimeSpan.FromSeconds(seconds);
            rest.Clear();
        }

        if (rest.Count > 0)
        {
            throw new ArgumentException(args[0] == Wait
                ? $"usage: {Wait} [--timeout SECONDS]; '{string.Join(' ', rest)}' is not understood."
                : $"usage: {Apply} (settings come from the environment); '{string.Join(' ', rest)}' is not understood.");
        }

        return new SchemaCommand(args[0], timeout);
    }

    /// <summary>Runs the command on a built (not started) service; returns the exit code.</summary>
    public async Task<int> RunAsync(IServiceProvider services, string service)
    {
        using var stop = new CancellationTokenSource();
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        services.GetService<IStartupValidator>()?.Validate();
        try
        {
            return Name == Apply
                ? await ApplyAsync(services, service, stop.Token)
                : await WaitAsync(services, service, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{service} {Name} was stopped before it finished.");
            return FailureExitCode;
        }

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }

    private static async Task<int> ApplyAsync(IServiceProvider services, string service, CancellationToken cancellationToken)
    {
        var stores = Stores(services);
        var tables = services.GetServices<IDatabaseObjects>().ToList();
        var seeds = services.GetServices<DatabaseSeed>().ToList();
        try
        {
            foreach (var store in stores)
            {
                await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().WaitAsync(cancellationToken);
            }

            foreach (var table in tables)
            {
                await table.ApplyAsync(cancellationToken);
            }

            foreach (var seed in seeds)
            {
                await seed.Run(cancellationToken);
            }
        }
        catch (Exception exception) when (exception is not (OperationCanceledException or MissingSettingException))
        {
            await Console.Error.WriteLineAsync($"{service} {Apply} failed: {OneLine(exception)}");
            return FailureExitCode;
        }

        await Console.Out.WriteLineAsync(
            $"{service} {Apply}: done (Marten schemas: {Names(stores.Select(s => s.Options.DatabaseSchemaName))}; " +
            $"tables: {Names(tables.Select(t => t.Name))}; seeds: {Names(seeds.Select(s => s.Name))}).");
        return 0;
    }

    private async Task<int> WaitAsync(IServiceProvider services, string service, CancellationToken cancellationToken)
    {
        var stores = Stores(services);
        var tables = services.GetServices<IDatabaseObjects>().ToList();
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (true)
        {
            var missing = await FindMissingAsync(stores, tables, cancellationToken);
            if (missing is null)
            {
                await Console.Out.WriteLineAsync($"{service} {Wait}: the database matches this release.");
                return 0;
            }

            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync(
                    $"{service} {Wait}: the database does not match this release after {Timeout.TotalSeconds:0} s ({missing}); run {Apply} (the platform-schema Job) with this release's image.");
                return FailureExitCode;
            }

            await Task.Delay(left < PollInterval ? left : PollInterval, cancellationToken);
        }
    }

    private static async Task<string?> FindMissingAsync(
        IReadOnlyList<IDocumentStore> stores, IReadOnlyList<IDatabaseObjects> tables, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var store in stores)
            {
                try
                {
                    await store.Storage.Database.AssertDatabaseMatchesConfigurationAsync(cancellationToken);
                }
                catch (DatabaseValidationException)
                {
                    return $"Marten's schema '{store.Options.DatabaseSchemaName}' differs from this release's";
                }
            }

            foreach (var table in tables)
            {
                if (await table.FindMissingAsync(cancellationToken) is { } missing)
                {
                    return missing;
                }
            }

            return null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Unreachable or refusing: keep waiting, as for a schema that is not there yet.
            return $"PostgreSQL: {OneLine(exception)}";
        }
    }

    private static List<IDocumentStore> Stores(IServiceProvider services) =>
        services.GetServices<IDocumentStore>().Distinct().ToList();

    private static string Names(IEnumerable<string> names) => names.ToList() is { Count: > 0 } list ? string.Join(", ", list) : "none";

    private static string OneLine(Exception exception)
    {
        while (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        return exception.Message.Split('\n', 2)[0].Trim();
    }
}
