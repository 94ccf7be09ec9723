using System.Reflection;
using Microsoft.AspNetCore.Builder;

namespace Platform.ServiceDefaults;

/// <summary>Runs a service so that a configuration mistake ends it with one sentence and exit code 78 (EX_CONFIG).</summary>
public static class PlatformHost
{
    public const int ConfigurationErrorExitCode = 78;

    public static async Task<int> RunAsync(string[] args, Func<WebApplicationBuilder, WebApplication> build)
    {
        var name = Assembly.GetEntryAssembly()?.GetName().Name ?? "Platform";
        WebApplication app;
        try
        {
            app = build(WebApplication.CreateBuilder(args));
        }
        catch (Exception exception) when (FindConfigurationError(exception) is { } missing)
        {
            await Console.Error.WriteLineAsync($"{name} cannot start. {missing.Message}");
            return ConfigurationErrorExitCode;
        }

        try
        {
            await app.RunAsync();
            return 0;
        }
        catch (Exception exception) when (FindConfigurationError(exception) is { } missing)
        {
            await Console.Error.WriteLineAsync($"{name} cannot start. {missing.Message}");
            return ConfigurationErrorExitCode;
        }
    }

    private static MissingSettingException? FindConfigurationError(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is MissingSettingException missing)
            {
                return missing;
            }

            if (exception is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Select(FindConfigurationError).FirstOrDefault(e => e is not null);
            }
        }

        return null;
    }
}
