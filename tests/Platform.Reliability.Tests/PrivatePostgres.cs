using System.Diagnostics;
using Npgsql;
using Platform.Testing;

namespace Platform.Reliability.Tests;

/// <summary>
/// A PostgreSQL server of the test's own (the Debian package's binaries, a throwaway cluster in a temporary folder,
/// trust authentication on loopback), so that a fault test can restart it without disturbing the server other tests share.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string home;
    private readonly string bin;

    private PrivatePostgres(string home, string bin, int port)
    {
        this.home = home;
        this.bin = bin;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The server's administrative connection string (database <c>postgres</c>).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    private string Data => Path.Combine(home, "data");

    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(version => Path.Combine(version, "bin")).Where(path => File.Exists(Path.Combine(path, "pg_ctl"))).Order().LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("No PostgreSQL server binaries under /usr/lib/postgresql: install the postgresql Debian package ('./platform test' does).");
        }

        var home = Directory.CreateTempSubdirectory("platform-postgres-").FullName;
        var server = new PrivatePostgres(home, bin, ServiceProcess.FreePort());
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "-R", "postgres:postgres", home);
        }

        await server.AsServerUserAsync("initdb", "-D", server.Data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        await server.StartServerAsync();
        return server;
    }

    public async Task StartServerAsync()
    {
        await AsServerUserAsync("pg_ctl", "-D", Data, "-l", Path.Combine(home, "server.log"), "-w", "-t", "60", "start", "-o",
            $"-c listen_addresses=127.0.0.1 -p {Port} -k {home} -c max_connections=400 -c fsync=off -c full_page_writes=off");
    }

    /// <summary>Restarts the server (fast shutdown: open transactions are rolled back, connections cut, then a start).</summary>
    public async Task RestartServerAsync()
    {
        await StopServerAsync();
        await StartServerAsync();
    }

    /// <summary>Stops the server (fast shutdown) and returns once it no longer accepts connections.</summary>
    public Task StopServerAsync() => AsServerUserAsync("pg_ctl", "-D", Data, "-m", "fast", "-w", "-t", "60", "stop");

    /// <summary>Whether the server answers a query now.</summary>
    public async Task<bool> AnswersAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionString);
            await connection.OpenAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private Task AsServerUserAsync(string tool, params string[] arguments) =>
        Environment.UserName == "root"
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. arguments])
            : RunAsync(Path.Combine(bin, tool), arguments);

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await output}{await error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsServerUserAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
            // Not running.
        }

        Directory.Delete(home, recursive: true);
    }
}
