using Microsoft.Extensions.Configuration;

namespace Platform.ServiceDefaults;

/// <summary>
/// Reads the settings a service cannot start without. A missing one stops the process at once with one
/// sentence naming the setting and where to put it, instead of a stack trace or a 500 later.
/// </summary>
public static class RequiredSettings
{
    public static string Require(this IConfiguration configuration, string key, string whatItIs)
    {
        var value = configuration[key];
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        throw new MissingSettingException(key, whatItIs);
    }

    public static Uri RequireAbsoluteUri(this IConfiguration configuration, string key, string whatItIs)
    {
        var value = configuration.Require(key, whatItIs);
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        throw new MissingSettingException(key, whatItIs, $"'{value}' is not an absolute http(s) URL");
    }

    /// <summary>The environment-variable spelling of a configuration key (<c>a:b</c> becomes <c>a__b</c>).</summary>
    public static string AsEnvironmentVariable(string key) => key.Replace(":", "__", StringComparison.Ordinal);
}

public sealed class MissingSettingException(string key, string whatItIs, string? problem = null)
    : Exception(problem is null
        ? $"Set {RequiredSettings.AsEnvironmentVariable(key)} (environment) or \"{key}\" (appsettings.json) to {whatItIs}."
        : $"Set {RequiredSettings.AsEnvironmentVariable(key)} (environment) or \"{key}\" (appsettings.json) to {whatItIs}: {problem}.")
{
    public string Key { get; } = key;
}
