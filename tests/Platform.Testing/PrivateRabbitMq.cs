using System.Diagnostics;
using System.Net.Sockets;

namespace Platform.Testing;

/// <summary>
/// A RabbitMQ broker of the test's own, from the Debian package, on loopback ports nobody else uses, with
/// its data in a temporary folder that survives a stop and start. Fault tests stop and start it without
/// disturbing the broker other tests share.
/// </summary>
public sealed class PrivateRabbitMq : IAsyncDisposable
{
    private const string Server = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string Control = "/usr/lib/rabbitmq/bin/rabbitmqctl";
    private readonly string home;
    private readonly Dictionary<string, string> environment;
    private Process? server;

    private PrivateRabbitMq(string home, int port, int distributionPort, int epmdPort)
    {
        this.home = home;
        Port = port;
        var node = $"rabbit{port}@localhost";
        environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["RABBITMQ_NODENAME"] = node,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = port.ToString(),
            ["RABBITMQ_DIST_PORT"] = distributionPort.ToString(),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(home, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(home, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(home, "rabbit.pid"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(home, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(home, "rabbitmq"),
            ["ERL_EPMD_PORT"] = epmdPort.ToString(),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        };
    }

    public int Port { get; }
    public string Uri => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public static bool IsInstalled => File.Exists(Server);

    public static async Task<PrivateRabbitMq> StartAsync()
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException($"{Server} is missing: install the rabbitmq-server Debian package ('./platform test' does).");
        }

        var home = Directory.CreateTempSubdirectory("platform-rabbitmq-").FullName;
        await File.WriteAllTextAsync(Path.Combine(home, "enabled_plugins"), "[].");
        await File.WriteAllTextAsync(Path.Combine(home, "rabbitmq.conf"), "loopback_users.guest = true\n");
        var broker = new PrivateRabbitMq(home, ServiceProcess.FreePort(), ServiceProcess.FreePort(), ServiceProcess.FreePort());
        await broker.StartServerAsync();
        return broker;
    }

    public async Task StartServerAsync()
    {
        var start = new ProcessStartInfo(Server) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        server = Process.Start(start)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        await RunControlAsync("wait", environment["RABBITMQ_PID_FILE"], "--timeout", "60");
        await WaitForPortAsync(open: true);
    }

    /// <summary>Stops the broker cleanly; durable queues and their messages stay on disk.</summary>
    public async Task StopServerAsync()
    {
        await RunControlAsync("stop", environment["RABBITMQ_PID_FILE"]);
        if (server is not null)
        {
            await server.WaitForExitAsync();
            server.Dispose();
            server = null;
        }

        await WaitForPortAsync(open: false);
    }

    /// <summary>Kills the broker hard (SIGKILL to the Erlang VM): no clean shutdown, connections cut mid-stream.</summary>
    public async Task KillServerAsync()
    {
        if (File.Exists(environment["RABBITMQ_PID_FILE"]) && int.TryParse((await File.ReadAllTextAsync(environment["RABBITMQ_PID_FILE"])).Trim(), out var pid))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }

        if (server is not null)
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            server.Dispose();
            server = null;
        }

        File.Delete(environment["RABBITMQ_PID_FILE"]);
        await WaitForPortAsync(open: false);
    }

    private async Task WaitForPortAsync(bool open)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var listening = false;
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                listening = true;
            }
            catch (SocketException)
            {
            }

            if (listening == open)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"RabbitMQ on port {Port} did not {(open ? "open" : "close")} in time.");
    }

    private async Task RunControlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Control, arguments) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["RABBITMQ_NODENAME"] = environment["RABBITMQ_NODENAME"];
        using var control = Process.Start(start)!;
        var output = control.StandardOutput.ReadToEndAsync();
        var error = control.StandardError.ReadToEndAsync();
        await control.WaitForExitAsync();
        if (control.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed: {await output}{await error}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            try
            {
                await StopServerAsync();
            }
            catch (InvalidOperationException)
            {
                server.Kill(entireProcessTree: true);
            }
        }

        using (var epmd = Process.Start(new ProcessStartInfo("epmd", ["-kill"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["ERL_EPMD_PORT"] = environment["ERL_EPMD_PORT"] },
        }))
        {
            if (epmd is not null)
            {
                await epmd.WaitForExitAsync();
            }
        }

        Directory.Delete(home, recursive: true);
    }
}
