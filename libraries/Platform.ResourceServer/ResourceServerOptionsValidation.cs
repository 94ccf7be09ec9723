using System.Net;
using Microsoft.Extensions.Options;

namespace Platform.ResourceServer;

/// <summary>
/// Checks the settings when the API starts, so that a missing one stops it with one sentence saying what to set
/// and where, instead of a <c>401</c> or <c>503</c> on every request later.
/// </summary>
internal sealed class ResourceServerOptionsValidation(string scheme) : IValidateOptions<ResourceServerOptions>
{
    public ValidateOptionsResult Validate(string? name, ResourceServerOptions options)
    {
        if (name != scheme)
        {
            return ValidateOptionsResult.Skip;
        }

        return Problem(options) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }

    public static string? Problem(ResourceServerOptions options)
    {
        var path = options.SettingsPath;
        var missing = new List<(string Key, string What)>();
        if (options.Authority is null)
        {
            missing.Add(("Authority", "the issuer URL of the authorization server, e.g. http://localhost:5000/"));
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            missing.Add(("ClientId", "the API's client id"));
        }

        if (string.IsNullOrWhiteSpace(options.ClientSecret))
        {
            missing.Add(("ClientSecret", "the API's client secret"));
        }

        if (missing.Count > 0)
        {
            var names = missing.Select(m => $"{path}:{m.Key} ({m.What}; environment {Environment(path, m.Key)})").ToList();
            var list = names.Count == 1 ? names[0] : $"{string.Join(", ", names[..^1])} and {names[^1]}";
            return $"Set {list}: the API checks access tokens by introspection as its own client and cannot start without {(missing.Count == 1 ? "it" : "them")}.";
        }

        var authority = options.Authority!;
        if (!authority.IsAbsoluteUri || authority.Scheme is not ("http" or "https"))
        {
            return $"Set {path}:Authority to an absolute http(s) URL (the issuer of the authorization server), not '{authority}'.";
        }

        if (options.RequireHttpsMetadata && authority.Scheme == "http" && !IsLoopback(authority))
        {
            return $"Set {path}:Authority to an https URL: plain http is accepted on loopback only ('{authority}'), or set {path}:RequireHttpsMetadata to false in development.";
        }

        if (options.CacheMaxAge < TimeSpan.Zero || options.IntrospectionTimeout <= TimeSpan.Zero || options.RetryAfter < TimeSpan.Zero || options.CacheSize < 0)
        {
            return $"Set {path}:CacheMaxAge, CacheSize and RetryAfter to zero or more and {path}:IntrospectionTimeout to more than zero.";
        }

        if (options.Resource is { IsAbsoluteUri: false } resource)
        {
            return $"Set {path}:Resource to the API's absolute URL, not '{resource}'.";
        }

        if (options.IntrospectionEndpoint is { IsAbsoluteUri: false } endpoint)
        {
            return $"Set {path}:IntrospectionEndpoint to an absolute URL, not '{endpoint}'.";
        }

        return null;
    }

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    private static string Environment(string path, string key) => $"{path.Replace(":", "__", StringComparison.Ordinal)}__{key}";
}
