using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// The README's first command, as a new user runs it: <c>./platform up</c> ends ready and leaves a demo
/// client whose token introspects as active through the gateway; <c>up</c> again changes nothing;
/// <c>./platform down</c> leaves no process behind. It runs in a state folder and on ports of its own,
/// beside whatever else runs on the machine.
/// </summary>
public sealed class PlatformScriptTests : IAsyncLifetime
{
    private readonly string stateDirectory = Path.Combine(Path.GetTempPath(), $"platform-up-{Guid.NewGuid():N}");
    private readonly int portBase = FreePortBase();

    [Fact]
    public async Task Up_ThenDown_ServesTokensAndLeavesNoProcess()
    {
        var (upExit, upOutput) = await RunAsync("up");
        Assert.True(upExit == 0, upOutput);
        Assert.Contains($"http://localhost:{portBase}/", upOutput, StringComparison.Ordinal);

        var demo = ReadDemoEnvironment();
        var issuer = new Uri(demo["PLATFORM_ISSUER"]);
        using var http = new HttpClient { BaseAddress = issuer };
        var token = await GetTokenAsync(http, demo["DEMO_CLIENT_ID"], demo["DEMO_CLIENT_SECRET"]);
        var introspection = await WaitForActiveAsync(http, demo["DEMO_API_CLIENT_ID"], demo["DEMO_API_CLIENT_SECRET"], token);
        Assert.Equal(demo["DEMO_CLIENT_ID"], introspection.GetProperty("client_id").GetString());

        var demoBefore = await File.ReadAllTextAsync(Path.Combine(stateDirectory, "demo.env"));
        var (againExit, againOutput) = await RunAsync("up");
        Assert.True(againExit == 0, againOutput);
        Assert.Equal(demoBefore, await File.ReadAllTextAsync(Path.Combine(stateDirectory, "demo.env")));

        var (downExit, downOutput) = await RunAsync("down");
        Assert.True(downExit == 0, downOutput);
        Assert.Empty(ProcessesOfThisInstance());
        Assert.False(PortOpen(portBase), "the gateway still listens after down");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await RunAsync("down", "--purge");
        if (Directory.Exists(stateDirectory))
        {
            Directory.Delete(stateDirectory, recursive: true);
        }
    }

    private async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(RepositoryRoot.Path, "platform"), arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        // Start clean of the settings of whatever ./platform runs this test (its ports, its state folder).
        foreach (var inherited in start.Environment.Keys.Where(key => key.EndsWith("_PORT", StringComparison.Ordinal) || key.StartsWith("PLATFORM_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["PLATFORM_STATE_DIR"] = stateDirectory;
        start.Environment["PLATFORM_PORT_BASE"] = portBase.ToString();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }

    private Dictionary<string, string> ReadDemoEnvironment() =>
        File.ReadAllLines(Path.Combine(stateDirectory, "demo.env"))
            .Where(line => line.Contains('=', StringComparison.Ordinal) && !line.TrimStart().StartsWith('#'))
            .Select(line => line.Replace("export ", string.Empty, StringComparison.Ordinal).Split('=', 2))
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim().Trim('"', '\''));

    private static async Task<string> GetTokenAsync(HttpClient http, string clientId, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "api" }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(clientId, secret);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private static async Task<JsonElement> WaitForActiveAsync(HttpClient http, string apiId, string apiSecret, string token)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
            };
            request.Headers.Authorization = PlatformCluster.Basic(apiId, apiSecret);
            using var response = await http.SendAsync(request);
            var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            if (json.TryGetProperty("active", out var active) && active.GetBoolean())
            {
                return json;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The demo token did not introspect as active: {json}");
            await Task.Delay(100);
        }
    }

    /// <summary>Every process ./platform starts carries the instance's state folder in its environment.</summary>
    private List<string> ProcessesOfThisInstance()
    {
        var marker = $"PLATFORM_INSTANCE={stateDirectory}";
        var found = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                var environment = File.ReadAllText(Path.Combine(directory, "environ")).Split('\0');
                var state = File.ReadAllText(Path.Combine(directory, "stat"));
                var zombie = state[(state.LastIndexOf(')') + 2)..].StartsWith('Z');
                if (!zombie && environment.Contains(marker))
                {
                    found.Add($"{Path.GetFileName(directory)} {File.ReadAllText(Path.Combine(directory, "comm")).Trim()}");
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }

    private static bool PortOpen(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// A base whose fourteen ports (services and servers) are all free now, below the kernel's ephemeral range:
    /// a port in that range can be taken at any moment by an outgoing connection of a test running beside this one.
    /// </summary>
    private static int FreePortBase()
    {
        var ephemeralLow = EphemeralRangeStart();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var candidate = Random.Shared.Next(Math.Min(20_000, ephemeralLow / 2), ephemeralLow - 14);
            if (Enumerable.Range(candidate, 14).All(port => !PortOpen(port)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("No free range of 14 ports for ./platform up.");
    }

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var low) && low > 1_100
            ? low
            : 32_768;
    }
}
