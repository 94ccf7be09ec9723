using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Platform.ResourceServer.Authentication;
using Platform.ResourceServer.Authorization;
using Platform.ResourceServer.Introspection;

namespace Platform.ResourceServer;

/// <summary>Adds bearer token checking by introspection to an API.</summary>
public static class ResourceServerRegistration
{
    /// <summary>
    /// Checks bearer tokens by introspection with the settings of <paramref name="configuration"/> (usually
    /// <c>builder.Configuration.GetSection("ResourceServer")</c>: <c>Authority</c>, <c>ClientId</c>,
    /// <c>ClientSecret</c>, and the optional settings of <see cref="ResourceServerOptions"/>). A missing required
    /// setting stops the application at start-up with one sentence naming it.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The configuration section holding the settings.</param>
    /// <param name="configure">Further settings in code, applied after the configuration.</param>
    /// <returns>The authentication builder, to add other schemes.</returns>
    public static AuthenticationBuilder AddPlatformResourceServer(this IServiceCollection services, IConfiguration configuration, Action<ResourceServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var path = configuration is IConfigurationSection section ? section.Path : ResourceServerDefaults.ConfigurationSection;
        return services.AddPlatformResourceServer(options =>
        {
            options.SettingsPath = path;
            configuration.Bind(options);
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Checks bearer tokens by introspection, configured in code. Makes <see cref="ResourceServerDefaults.AuthenticationScheme"/>
    /// the default scheme, so <c>RequireAuthorization()</c> and <c>RequireScope(...)</c> use it.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">The settings.</param>
    /// <returns>The authentication builder, to add other schemes.</returns>
    public static AuthenticationBuilder AddPlatformResourceServer(this IServiceCollection services, Action<ResourceServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddAuthentication(ResourceServerDefaults.AuthenticationScheme)
            .AddPlatformResourceServer(ResourceServerDefaults.AuthenticationScheme, configure);
    }

    /// <summary>
    /// Checks the settings now rather than when the host starts (which it also does), so that a program can print
    /// the one sentence of the <see cref="OptionsValidationException"/> and exit before the host logs anything.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="scheme">The scheme whose settings to check.</param>
    /// <exception cref="OptionsValidationException">A required setting is missing or a setting is invalid; the message says which and where to set it.</exception>
    public static void CheckResourceServerSettings(this IServiceProvider services, string scheme = ResourceServerDefaults.AuthenticationScheme)
    {
        ArgumentNullException.ThrowIfNull(services);
        _ = services.GetRequiredService<IOptionsMonitor<ResourceServerOptions>>().Get(scheme);
    }

    /// <summary>Adds a bearer scheme checked by introspection under a name of its own (for an API that trusts two authorization servers).</summary>
    /// <param name="authentication">The authentication builder.</param>
    /// <param name="scheme">The scheme's name.</param>
    /// <param name="configure">The settings.</param>
    /// <returns>The same builder.</returns>
    public static AuthenticationBuilder AddPlatformResourceServer(this AuthenticationBuilder authentication, string scheme, Action<ResourceServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(authentication);
        var services = authentication.Services;
        services.AddHttpClient(ResourceServerDefaults.HttpClientName);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IntrospectionCache>();
        services.TryAddSingleton<AuthorizationServerMetadata>();
        services.TryAddSingleton<IntrospectionClient>();
        services.TryAddSingleton<TokenChecker>();
        services.AddAuthorization();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, InsufficientScopeResultHandler>();
        services.AddSingleton<IValidateOptions<ResourceServerOptions>>(new ResourceServerOptionsValidation(scheme));
        services.AddOptions<ResourceServerOptions>(scheme).ValidateOnStart();
        return authentication.AddScheme<ResourceServerOptions, IntrospectionHandler>(scheme, configure);
    }
}
