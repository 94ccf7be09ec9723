using System.Reflection;
using Microsoft.AspNetCore.Builder;

namespace Platform.ServiceDefaults;

/// <summary>
/// Runs a service so that a configuration mistake ends it with one sentence and exit code 78 (EX_CONFIG).
/// With <c>apply-schema</c> or <c>wait-for-schema</c> as first argument it builds the service the same way
/// but runs that command instead of the server (<see cref="SchemaCommand"/>).
/// </summary>
public static class PlatformHost
{
    public const int ConfigurationErrorExitCode = 78;

    public static async Task<int> RunAsync(string[] args, Func<WebApplicationBuilder, WebApplication> build)
    {
        var name = Assembly.GetEntryAssembly()?.GetName().Name ?? "Platform";
        SchemaCommand? command;
        try
        {
            command = SchemaCommand.Parse(args);
        }
        catch (ArgumentException usage)
        {
            await Console.Error.WriteLineAsync($"{name} {args[0]}: {usage.Message}");
            return SchemaCommand.UsageExitCode;
        }

        var cannot = command is null ? "cannot start" : $"cannot run {command.Name}";
        WebApplication app;
        try
        {
            // A command's own arguments are not configuration.
            app = build(WebApplication.CreateBuilder(command is null ? args : []));
        }
        catch (Exception exception) when (FindConfigurationError(exception) is { } missing)
        {
            await Console.Error.WriteLineAsync($"{name} {cannot}. {missing.Message}");
            return ConfigurationErrorExitCode;
        }

        try
        {
            if (command is not null)
            {
                await using (app)
                {
                    return await command.RunAsync(app.Services, name);
                }
            }

            await app.RunAsync();
            return 0;
        }
        catch (Exception exception) when (FindConfigurationError(exception) is { } missing)
        {
            await Console.Error.WriteLineAsync($"{name} {cannot}. {missing.Message}");
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
