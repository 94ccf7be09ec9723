using System.Diagnostics;
using Platform.Testing;
using Xunit;

namespace Platform.ResourceServer.Tests.Unit;

/// <summary>A misconfigured API stops at start-up with one sentence saying what to set and where.</summary>
public sealed class SettingsTests
{
    [Fact]
    public void Problem_NothingSet_NamesAuthorityClientIdAndClientSecretInOneSentence()
    {
        var problem = ResourceServerOptionsValidation.Problem(new ResourceServerOptions());

        Assert.Equal(
            "Set ResourceServer:Authority (the issuer URL of the authorization server, e.g. http://localhost:5000/; environment ResourceServer__Authority), " +
            "ResourceServer:ClientId (the API's client id; environment ResourceServer__ClientId) and ResourceServer:ClientSecret (the API's client secret; environment ResourceServer__ClientSecret): " +
            "the API checks access tokens by introspection as its own client and cannot start without them.", problem);
    }

    [Fact]
    public void Problem_PlainHttpAuthorityOffLoopback_AsksForHttps()
    {
        var problem = ResourceServerOptionsValidation.Problem(new ResourceServerOptions { Authority = new Uri("http://idp.example/"), ClientId = "api", ClientSecret = "s" });

        Assert.StartsWith("Set ResourceServer:Authority to an https URL", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problem_LoopbackHttpAuthority_IsFine() =>
        Assert.Null(ResourceServerOptionsValidation.Problem(new ResourceServerOptions { Authority = new Uri("http://localhost:5000/"), ClientId = "api", ClientSecret = "s" }));

    [Fact]
    public async Task DocumentsApi_WithoutClientSecret_ExitsWithOneSentence()
    {
        var dll = Path.Combine(RepositoryRoot.Path, "samples", "Documents.Api", "bin", ServiceProcess.Configuration, "net10.0", "Documents.Api.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ServiceProcess.FreePort()}";
        start.Environment["ResourceServer__ClientSecret"] = string.Empty;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(78, process.ExitCode);
        Assert.Equal(
            "Documents.Api cannot start. Set ResourceServer:ClientSecret (the API's client secret; environment ResourceServer__ClientSecret): " +
            "the API checks access tokens by introspection as its own client and cannot start without it.",
            error.Trim());
        Assert.Equal(string.Empty, (await output).Trim());
    }
}
