using Microsoft.AspNetCore.Http;

namespace Platform.ResourceServer.Metadata;

/// <summary>
/// The API's resource identifier and the URL of its metadata (RFC 9728 §3.1: the well-known suffix goes between
/// the host and the path). Without a configured <see cref="ResourceServerOptions.Resource"/>, the identifier is
/// the URL the request came in on: scheme, host and path base.
/// </summary>
internal static class ResourceIdentity
{
    public static (string Resource, string MetadataUrl) Of(HttpRequest request, ResourceServerOptions options)
    {
        string origin;
        string path;
        if (options.Resource is { } configured)
        {
            origin = configured.GetLeftPart(UriPartial.Authority);
            path = configured.AbsolutePath.TrimEnd('/');
        }
        else
        {
            origin = $"{request.Scheme}://{request.Host.ToUriComponent()}";
            path = request.PathBase.ToUriComponent().TrimEnd('/');
        }

        return (origin + path, origin + ResourceServerDefaults.MetadataPath + path);
    }

    /// <summary>The path, relative to the application, at which the metadata of <paramref name="options"/> is asked for.</summary>
    public static string? ConfiguredPathSuffix(ResourceServerOptions options) =>
        options.Resource is { } configured && configured.AbsolutePath.TrimEnd('/') is { Length: > 0 } path ? path : null;
}
