using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Projection.Consuming;
using Platform.Projection.ReadModel;
using Platform.ServiceDefaults;

namespace Platform.Projection.Introspection;

/// <summary>What introspection needs besides the read model: freshness, the per-replica cache, the writers' documents.</summary>
public static class IntrospectionServices
{
    public static WebApplicationBuilder AddIntrospectionFreshness(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(ProjectionOptions.Read(builder.Configuration));
        builder.Services.AddSingleton(new ProjectionDataSource(EventStore.CreateDataSource(builder.PostgresConnectionString())));
        builder.Services.AddSingleton<ReplicaFreshness>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ReplicaFreshness>());
        builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            "projection-lag", services => services.GetRequiredService<ReplicaFreshness>(), null, [ServiceDefaults.ServiceDefaults.ReadyTag]));
        builder.Services.AddSingleton<IntrospectionMetrics>();
        builder.Services.AddSingleton<TokenCache>();
        builder.Services.Configure<Platform.Identity.Storage.IdentityCacheOptions>(builder.Configuration.GetSection(Platform.Identity.Storage.IdentityCacheOptions.Section));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<CallerCache>();
        builder.Services.AddSingleton<WriterTokens>();
        builder.Services.AddSingleton<WriterClients>();
        builder.Services.AddSingleton<SigningKeys>();
        builder.Services.AddSingleton<JwtAccessTokens>();
        builder.Services.AddScoped<TokenLookup>();
        return builder;
    }
}
