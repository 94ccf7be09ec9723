using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Platform.Testing;

/// <summary>
/// One real service process, started from its built dll the way <c>./platform up</c> starts it, with its
/// output kept for assertions (no credential may appear in it) and for diagnosing a failed test.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();

    private ServiceProcess(string name, Uri address, Process process)
    {
        Name = name;
        Address = address;
        this.process = process;
    }

    public string Name { get; }
    public Uri Address { get; }
    public bool HasExited => process.HasExited;

    /// <summary>The operating system's process id (for <c>/proc</c> and signals).</summary>
    public int Id => process.Id;
    public int ExitCode => process.ExitCode;
    public string Output => string.Join('\n', output);

    public static string Configuration { get; } =
        typeof(ServiceProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string DllOf(string service) =>
        Path.Combine(RepositoryRoot.Path, "services", service, "bin", Configuration, "net10.0", service + ".dll");

    /// <summary>Starts <paramref name="service"/> (e.g. <c>Platform.Token</c>) on <paramref name="port"/> with the given settings.</summary>
    public static ServiceProcess Start(string service, int port, IReadOnlyDictionary<string, string?> environment)
    {
        var dll = DllOf(service);
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} does not exist: build the solution first ('./platform test' does).");
        }

        var address = new Uri($"http://127.0.0.1:{port}/");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        // localhost: both loopback addresses, as a browser may try the issuer's host over IPv6 first.
        start.Environment["ASPNETCORE_URLS"] = $"http://localhost:{port}";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var started = new ServiceProcess(service, address, process);
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) started.output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) started.output.Enqueue(line.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200, or fails with the service's output.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        var lastAnswer = "none";
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync("health/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                lastAnswer = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        // The readiness answer says which check failed and why; the output's end is what happened last (a test
        // report may cut a long message, so the beginning of the output would be all it shows).
        throw new TimeoutException($"{Name} was not ready within {timeout}; its last readiness answer: {lastAnswer}\n" +
            $"the last 100 lines of its output:\n{string.Join('\n', output.TakeLast(100))}");
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancellation.Token);
        return process.ExitCode;
    }

    /// <summary>Stops the process as an orchestrator would: SIGTERM, then a kill if it does not exit in time.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (process.HasExited)
        {
            return;
        }

        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            _ = kill(process.Id, 15);
        }

        try
        {
            await WaitForExitAsync(grace ?? TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        process.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>
    /// A port free right now, below the kernel's ephemeral range: a port from that range (what binding port 0 gives)
    /// can be taken as the local port of any outgoing connection before the server it was meant for binds it; seen
    /// with a private RabbitMQ, which binds seconds after start and then stopped on <c>eaddrinuse</c>. Each test
    /// process starts at a random place in the range, so parallel test processes rarely try the same port.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < FreePorts.Count; attempt++)
        {
            var port = FreePorts.First + (int)((uint)Interlocked.Increment(ref nextFreePort) % (uint)FreePorts.Count);
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Taken: the next one.
            }
        }

        throw new InvalidOperationException($"No free port in {FreePorts.First}..{FreePorts.First + FreePorts.Count - 1}.");
    }

    private static int nextFreePort = Random.Shared.Next();

    private static readonly (int First, int Count) FreePorts = BelowEphemeralRange();

    private static (int First, int Count) BelowEphemeralRange()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        var firstEphemeral = File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var low)
            ? low
            : 49152;
        // Up to 12,000 ports under it, never below 10000 (well-known and registered services live lower).
        var first = Math.Max(10_000, firstEphemeral - 12_000);
        return firstEphemeral - first >= 1_000 ? (first, firstEphemeral - first) : (20_000, 12_000);
    }
}
