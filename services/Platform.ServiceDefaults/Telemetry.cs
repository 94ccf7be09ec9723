using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Platform.ServiceDefaults.Bus;

namespace Platform.ServiceDefaults;

/// <summary>
/// OpenTelemetry for every service: traces of ASP.NET Core, HttpClient, Npgsql, MassTransit, Marten and the relay,
/// so that one trace runs from an HTTP request through the event append, the relay, RabbitMQ and the projection
/// update; and the metrics of those libraries and of Platform's own meters (<see cref="PlatformMeters"/>).
/// Exported over OTLP when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names a collector, else not at all.
/// </summary>
public static class Telemetry
{
    /// <summary>The spans of the writes that commit together (the group commit of new tokens).</summary>
    public const string StorageSource = "Platform.Storage";

    /// <summary>The activity sources every service listens to, besides the ASP.NET Core, HttpClient and Npgsql instrumentation.</summary>
    public static readonly IReadOnlyList<string> ActivitySources =
        [EventRelay.ActivitySourceName, PlatformMeters.Projection, StorageSource, "MassTransit", "Marten"];

    /// <summary>The meters every service exports: Platform's own and the libraries'.</summary>
    public static readonly IReadOnlyList<string> Meters =
        [PlatformMeters.Relay, PlatformMeters.Projection, PlatformMeters.Tokens, PlatformMeters.SignIn, "MassTransit", "Marten", "Npgsql"];

    internal static void AddTelemetry(this WebApplicationBuilder builder)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithTracing(tracing => tracing
                .AddSource([builder.Environment.ApplicationName, .. ActivitySources])
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics => metrics
                .AddMeter([builder.Environment.ApplicationName, .. Meters])
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());

        // The OTLP exporter is on only when the standard variables name a collector.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
    }
}

/// <summary>
/// The names of Platform's meters. Instruments follow the OpenTelemetry semantic conventions where one exists
/// (<c>http.server.request.duration</c> comes from ASP.NET Core) and are named <c>platform.*</c> otherwise. No
/// tag ever holds a credential: tags are kinds, results and reasons from fixed sets.
/// </summary>
public static class PlatformMeters
{
    /// <summary>The outbox relay of each writer (<c>platform.relay.*</c>).</summary>
    public const string Relay = "Platform.Relay";

    /// <summary>The projection service: introspection, its caches, its lag (<c>platform.projection.*</c>, <c>platform.introspection.*</c>, <c>platform.cache.*</c>).</summary>
    public const string Projection = "Platform.Projection";

    /// <summary>The token service's endpoints (<c>platform.tokens.*</c>).</summary>
    public const string Tokens = "Platform.Tokens";

    /// <summary>The profile service's sign-ins (<c>platform.signin.*</c>).</summary>
    public const string SignIn = "Platform.SignIn";
}
