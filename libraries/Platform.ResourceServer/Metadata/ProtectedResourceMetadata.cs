using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.ResourceServer.Metadata;

namespace Platform.ResourceServer;

/// <summary>RFC 9728 protected resource metadata: where a client learns which authorization server to get tokens from.</summary>
public static class ProtectedResourceMetadata
{
    /// <summary>
    /// Serves <c>GET /.well-known/oauth-protected-resource</c> (anonymous): <c>resource</c>,
    /// <c>authorization_servers</c>, <c>scopes_supported</c>, <c>bearer_methods_supported</c> and, when set,
    /// <c>resource_name</c>. Every <c>401</c> and <c>403</c> points at it with <c>resource_metadata="..."</c>.
    /// </summary>
    /// <param name="endpoints">The application's routes.</param>
    /// <param name="scheme">The authentication scheme whose settings describe the API.</param>
    /// <returns>The metadata endpoint(s), for further conventions.</returns>
    public static IEndpointConventionBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder endpoints, string scheme = ResourceServerDefaults.AuthenticationScheme)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(string.Empty);
        group.MapGet(ResourceServerDefaults.MetadataPath, (Func<HttpContext, IResult>)(context => Describe(context, suffix: null)));

        // A resource identifier with a path has its metadata under that path (RFC 9728 §3.1); the settings are read
        // per request, so that mapping does not resolve (and validate) them before the application starts.
        group.MapGet(ResourceServerDefaults.MetadataPath + "/{**suffix}", (HttpContext context, string suffix) => Describe(context, "/" + suffix));
        group.AllowAnonymous();
        return group;

        IResult Describe(HttpContext context, string? suffix)
        {
            var current = context.RequestServices.GetRequiredService<IOptionsMonitor<ResourceServerOptions>>().Get(scheme);
            if (suffix is not null && !string.Equals(suffix.TrimEnd('/'), ResourceIdentity.ConfiguredPathSuffix(current), StringComparison.Ordinal))
            {
                return Results.NotFound();
            }

            var document = new Dictionary<string, object>
            {
                ["resource"] = ResourceIdentity.Of(context.Request, current).Resource,
                ["authorization_servers"] = new[] { current.Authority!.AbsoluteUri },
                ["bearer_methods_supported"] = new[] { "header" },
            };
            if (current.ScopesSupported.Count > 0)
            {
                document["scopes_supported"] = current.ScopesSupported;
            }

            if (!string.IsNullOrEmpty(current.ResourceName))
            {
                document["resource_name"] = current.ResourceName;
            }

            return Results.Json(document);
        }
    }
}
