using System.Diagnostics;

namespace Platform.Deployment.Tests;

/// <summary>
/// Renders a kustomization offline with a real kustomize: <c>PLATFORM_KUBECTL</c>, else <c>kustomize</c> or
/// <c>kubectl</c> on the PATH (<c>./platform test</c> installs kubectl when neither is there).
/// </summary>
public static class Kustomize
{
    public static string Build(string directory)
    {
        var (tool, arguments) = Tool();
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments.Append(directory))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {tool}.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {error.Result}");
        }

        return output;
    }

    private static (string Tool, string[] Arguments) Tool()
    {
        if (Environment.GetEnvironmentVariable("PLATFORM_KUBECTL") is { Length: > 0 } kubectl)
        {
            return (kubectl, ["kustomize"]);
        }

        if (OnPath("kustomize") is { } kustomize)
        {
            return (kustomize, ["build"]);
        }

        return OnPath("kubectl") is { } found
            ? (found, ["kustomize"])
            : throw new InvalidOperationException(
                "Rendering infra/k8s needs kustomize 5 or kubectl 1.27+ on the PATH (or PLATFORM_KUBECTL); `./platform test` installs kubectl.");
    }

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
