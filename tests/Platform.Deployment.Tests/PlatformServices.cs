using System.Xml.Linq;
using Platform.ServiceDefaults;
using Platform.Testing;

namespace Platform.Deployment.Tests;

/// <summary>The five services as the code knows them: names from <see cref="PlatformSettings"/>, projects under services/.</summary>
public static class PlatformServices
{
    public static readonly string[] All =
        [PlatformSettings.Gateway, PlatformSettings.Authorization, PlatformSettings.Token, PlatformSettings.Profile, PlatformSettings.Projection];

    public static string Project(string service) => $"Platform.{char.ToUpperInvariant(service[0])}{service[1..]}";

    public static string ProjectFile(string service) => $"services/{Project(service)}/{Project(service)}.csproj";

    /// <summary>The assembly the project builds (its AssemblyName, else the project file's name).</summary>
    public static string AssemblyName(string service) => AssemblyNameOf(ProjectFile(service));

    public static string AssemblyNameOf(string projectFile)
    {
        var project = XDocument.Load(Path.Combine(RepositoryRoot.Path, projectFile));
        return project.Descendants("AssemblyName").Select(e => e.Value).LastOrDefault()
            ?? Path.GetFileNameWithoutExtension(projectFile);
    }

    public static IReadOnlySet<string> EnvironmentVariables(string service) =>
        PlatformSettings.For(service).Select(setting => setting.EnvironmentVariable).ToHashSet();

    public static IEnumerable<string> RequiredVariables(string service) =>
        PlatformSettings.For(service).Where(setting => setting.Default == "required").Select(setting => setting.EnvironmentVariable);

    public static bool Reads(string service, string key) => PlatformSettings.For(service).Any(setting => setting.Key == key);

    /// <summary>The local image name, the same in docker-compose.yml and the kustomize base.</summary>
    public static string Image(string service) => $"platform-{service}";

    /// <summary>The service an image runs: <c>platform-token</c>, <c>platform-token:dev</c>, <c>registry/platform/token:1.2</c>.</summary>
    public static string? OfImage(string image)
    {
        var slash = image.LastIndexOf('/');
        var colon = image.IndexOf(':', slash + 1);
        var name = colon < 0 ? image : image[..colon];
        return All.FirstOrDefault(service => name == Image(service) || name.EndsWith($"/platform/{service}", StringComparison.Ordinal));
    }
}
