namespace Platform.HealthProbe;

/// <summary>
/// Asks a health endpoint once: exit 0 when it answers 2xx, 1 otherwise. Docker runs it as the health check of
/// images that have no shell and no HTTP client (the chiseled .NET runtime), with the runtime they already carry.
/// </summary>
public static class HealthProbe
{
    public const int Healthy = 0;
    public const int Unhealthy = 1;
    public const int Usage = 2;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(string[] args, TextWriter error)
    {
        if (args.Length != 1 || !Uri.TryCreate(args[0], UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync("usage: Platform.HealthProbe http://127.0.0.1:8080/health/ready");
            return Usage;
        }

        using var http = new HttpClient { Timeout = Timeout };
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            if (response.IsSuccessStatusCode)
            {
                return Healthy;
            }

            await error.WriteLineAsync($"{url} answered {(int)response.StatusCode}.");
            return Unhealthy;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"{url} did not answer: {exception.Message}");
            return Unhealthy;
        }
    }
}
