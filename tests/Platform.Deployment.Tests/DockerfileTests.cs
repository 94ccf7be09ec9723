using System.Text.Json;
using Xunit;

namespace Platform.Deployment.Tests;

/// <summary>Each service's image: built from its own project, run by a non-root user on a runtime image without a shell.</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string> Services => new(PlatformServices.All);

    [Theory]
    [MemberData(nameof(Services))]
    public void Dockerfile_BuildsTheServiceProject_InAnSdkStage(string service)
    {
        var dockerfile = Dockerfile.Load(service);

        Assert.True(dockerfile.Stages.Count >= 2, $"{Dockerfile.PathOf(service)} is not multi-stage");
        var build = dockerfile.Stages[0];
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", build.Image, StringComparison.Ordinal);
        Assert.Contains(build.All("RUN"), run => run.Contains($"dotnet publish {PlatformServices.ProjectFile(service)} ", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Dockerfile_Runtime_IsShellLess_NonRoot_AndStartsTheServiceAssembly(string service)
    {
        var runtime = Dockerfile.Load(service).Runtime;

        // Chiseled images have no shell and no package manager: nothing to RUN, nothing to exec into.
        Assert.Matches(@"^mcr\.microsoft\.com/dotnet/aspnet:10\.0[-\w.]*-chiseled", runtime.Image);
        Assert.Empty(runtime.All("RUN"));

        var user = Assert.Single(runtime.All("USER"));
        Assert.DoesNotMatch(@"^(root|0)(:|$)", user);

        var entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(runtime.All("ENTRYPOINT")))!;
        Assert.Equal(["dotnet", $"/app/{PlatformServices.AssemblyName(service)}.dll"], entrypoint);
        Assert.Contains(runtime.All("COPY"), copy => copy.StartsWith("--from=", StringComparison.Ordinal) && copy.EndsWith(" /app/", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Dockerfile_ListensWhereComposeAndKubernetesExpect_AndWritesOnlyToTmp(string service)
    {
        var runtime = Dockerfile.Load(service).Runtime;
        var environment = string.Join(' ', runtime.All("ENV"));

        var urls = Assert.Single(environment.Split(' ', StringSplitOptions.RemoveEmptyEntries), e => e.StartsWith("ASPNETCORE_URLS=", StringComparison.Ordinal));
        var port = new Uri(urls["ASPNETCORE_URLS=".Length..].Replace("+", "localhost", StringComparison.Ordinal)).Port;
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), runtime.All("EXPOSE"));
        Assert.Contains("TMPDIR=/tmp", environment, StringComparison.Ordinal);

        Assert.Equal(urls["ASPNETCORE_URLS=".Length..], ComposeFile.Load().Environment(service)["ASPNETCORE_URLS"]);
        foreach (var overlay in Manifests.OverlayNames)
        {
            var manifests = Manifests.Render(overlay);
            var container = KubernetesServiceTests.MainContainer(manifests.Deployment(service), service);
            Assert.Contains(container.Ports, p => p.ContainerPort == port);
        }
    }

    [Fact]
    public void EveryService_HasADockerfile()
    {
        var files = Directory.GetFiles(System.IO.Path.Combine(Platform.Testing.RepositoryRoot.Path, "infra/docker"), "*.Dockerfile")
            .Select(f => System.IO.Path.GetFileName(f)).Order();
        Assert.Equal(PlatformServices.All.Select(s => $"{s}.Dockerfile").Order(), files);
    }
}
