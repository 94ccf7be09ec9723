using System.Diagnostics;

namespace Platform.Demo;

/// <summary>Where the two sample applications run and the clients they are at Platform.</summary>
public sealed record SampleSettings(Uri Issuer, string ApiClientId, string ApiSecret, string ShopClientId, string ShopSecret, Uri DocumentsApi, Uri Shop, string ShopDataFolder)
{
    /// <summary>The documents API's settings (environment spelling): Platform.ResourceServer's section.</summary>
    public IReadOnlyDictionary<string, string> DocumentsApiEnvironment => new Dictionary<string, string>
    {
        ["ResourceServer__Authority"] = Issuer.AbsoluteUri,
        ["ResourceServer__ClientId"] = ApiClientId,
        ["ResourceServer__ClientSecret"] = ApiSecret,
        // A revoked token may be accepted from the API's cache this long: short for the demo.
        ["ResourceServer__CacheMaxAge"] = "00:00:02",
    };

    /// <summary>The shop's settings (environment spelling), see Shop.Backend's ShopSettings.</summary>
    public IReadOnlyDictionary<string, string> ShopEnvironment => new Dictionary<string, string>
    {
        ["Shop__Issuer"] = Issuer.AbsoluteUri,
        ["Shop__ClientId"] = ShopClientId,
        ["Shop__ClientSecret"] = ShopSecret,
        ["Shop__DocumentsApi"] = DocumentsApi.AbsoluteUri,
        ["Shop__DataFolder"] = ShopDataFolder,
    };
}

/// <summary>Starts the documents API and the shop; the demo runs them as processes, a test may host them itself.</summary>
public interface ISampleApps : IAsyncDisposable
{
    Task StartAsync(SampleSettings settings, CancellationToken cancellationToken);
}

/// <summary>The samples as processes from their built dlls, with their output in the state folder's logs.</summary>
public sealed class SampleProcesses(string repositoryRoot, string configuration, string logFolder) : ISampleApps
{
    private readonly List<Process> processes = [];

    public async Task StartAsync(SampleSettings settings, CancellationToken cancellationToken)
    {
        await StartAsync("Documents.Api", settings.DocumentsApi, settings.DocumentsApiEnvironment, cancellationToken);
        await StartAsync("Shop.Backend", settings.Shop, settings.ShopEnvironment, cancellationToken);
    }

    private async Task StartAsync(string project, Uri address, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var dll = Path.Combine(repositoryRoot, "samples", project, "bin", configuration, "net10.0", project + ".dll");
        if (!File.Exists(dll))
        {
            throw new DemoException($"{dll} is missing: build it with dotnet build samples/{project} -c {configuration}.");
        }

        var log = Path.Combine(logFolder, project.ToLowerInvariant().Replace('.', '-') + ".log");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ASPNETCORE_URLS"] = address.GetLeftPart(UriPartial.Authority);
        start.Environment["Urls"] = address.GetLeftPart(UriPartial.Authority);
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var writer = new StreamWriter(log, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) { lock (writer) { writer.WriteLine(line.Data); } } };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) { lock (writer) { writer.WriteLine(line.Data); } } };
        process.Exited += (_, _) => writer.Dispose();
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        processes.Add(process);

        // Ready when it answers HTTP at all (the API answers 401 without a token, which is the point).
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new DemoException($"{project} exited with code {process.ExitCode} before it answered; its log is {log}.");
            }

            try
            {
                using var response = await http.GetAsync("", cancellationToken);
                return;
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new DemoException($"{project} did not answer on {address} within 60 s; its log is {log}.");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }
}
