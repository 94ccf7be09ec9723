using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.ServiceDefaults;

/// <summary>Host wiring every Platform service shares: structured logs, telemetry, health endpoints.</summary>
public static class ServiceDefaults
{
    /// <summary>Health checks tagged with this run on <c>/health/ready</c>; <c>/health/live</c> only says the process answers.</summary>
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            options.UseUtcTimestamp = true;
        });

        // A line per request from the framework, the proxy or OpenIddict (four per token request) costs more CPU
        // than the request itself on the hot paths (token, introspection): under load the console logger's lock
        // took 30 % of the token service's samples. The services log what matters; OpenIddict's warnings and
        // errors still show. Logging__LogLevel__<category> overrides (e.g. Logging__LogLevel__OpenIddict=Debug).
        foreach (var category in new[] { "Microsoft.AspNetCore", "Yarp", "OpenIddict" })
        {
            if (builder.Configuration[$"Logging:LogLevel:{category}"] is null)
            {
                builder.Logging.AddFilter(category, LogLevel.Warning);
            }
        }

        builder.Services.AddHealthChecks();
        // First registered, outermost: a database outage anywhere in the pipeline answers 503, not 500.
        builder.Services.AddTransient<Microsoft.AspNetCore.Hosting.IStartupFilter, DatabaseOutageAnswers>();
        builder.Services.AddTransient<Microsoft.AspNetCore.Hosting.IStartupFilter, EventActor.StartupFilter>();
        builder.AddForwardedHeaderTrust();
        builder.AddTelemetry();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(20));
        return builder;
    }

    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteHealthReport,
        });
        return app;
    }

    private static Task WriteHealthReport(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new { status = entry.Value.Status.ToString(), description = entry.Value.Description }),
        });
    }
}
