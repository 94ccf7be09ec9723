using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.Testing;
using Xunit;

namespace Platform.ResourceServer.Tests;

/// <summary>
/// The documents API as its own process, as it is deployed, and what it writes: neither the tokens it was shown nor
/// its own secret may appear in its logs, whatever the answer was.
/// </summary>
[Collection(ResourceServerCollection.Name)]
public sealed class CredentialTests(ResourceServerFixture fixture)
{
    [Fact]
    public async Task DocumentsApiProcess_AfterEveryKindOfAnswer_LogsNoTokenAndNoSecret()
    {
        var port = ServiceProcess.FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(RepositoryRoot.Path, "samples", "Documents.Api", "bin", ServiceProcess.Configuration, "net10.0", "Documents.Api.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ResourceServer__Authority"] = fixture.Cluster.Issuer.AbsoluteUri;
        start.Environment["ResourceServer__ClientId"] = fixture.DocumentsApi.Id;
        start.Environment["ResourceServer__ClientSecret"] = fixture.DocumentsApi.Secret;
        start.Environment["ResourceServer__CacheMaxAge"] = "00:00:00";
        start.Environment["Logging__LogLevel__Default"] = "Trace";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace";
        using var process = new Process { StartInfo = start };
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) output.Enqueue(line.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var reader = await fixture.TokenAsync("documents.read");
        var revoked = await fixture.TokenAsync("documents.read documents.write");
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            await UntilListeningAsync(http, process);

            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, reader, HttpMethod.Get));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, reader, HttpMethod.Post));
            Assert.Equal(HttpStatusCode.Created, await StatusAsync(http, revoked, HttpMethod.Post));
            await fixture.RevokeAsync(revoked);
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(http, revoked, HttpMethod.Get));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var logs = string.Join('\n', output);
        // The logs hold the requests and the refusals (so the checks below look at something), not the credentials.
        Assert.Contains("/documents", logs, StringComparison.Ordinal);
        Assert.Contains("The access token is not active", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(reader, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(revoked, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.DocumentsApi.Secret, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(fixture.DocumentsApi.Secret), logs, StringComparison.Ordinal);
        Assert.DoesNotContain(PlatformCluster.Basic(fixture.DocumentsApi.Id, fixture.DocumentsApi.Secret).Parameter!, logs, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string token, HttpMethod method)
    {
        using var request = new HttpRequestMessage(method, "documents");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (method == HttpMethod.Post)
        {
            request.Content = JsonContent.Create(new { kind = "order", title = "Logged order" });
        }

        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task UntilListeningAsync(HttpClient http, Process process)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.False(process.HasExited, "Documents.Api exited before it listened.");
            try
            {
                using var response = await http.GetAsync(".well-known/oauth-protected-resource");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }
    }
}
