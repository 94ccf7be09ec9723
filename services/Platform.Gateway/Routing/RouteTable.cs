using Yarp.ReverseProxy.Configuration;

namespace Platform.Gateway.Routing;

/// <summary>
/// The architecture's path table: which service answers which public path. Anything else is 404 at the
/// gateway, so an internal endpoint (health, metrics) of a service is never reachable from outside.
/// </summary>
public static class RouteTable
{
    public static IReadOnlyList<(string Upstream, string[] Paths)> Routes { get; } =
    [
        ("authorization", ["/.well-known/{**rest}", "/connect/authorize", "/connect/endsession", "/consent/{**rest}", "/admin/clients/{**rest}", "/admin/scopes/{**rest}", "/admin/grants/{**rest}", "/admin/tokens/{**rest}", "/connect/register/{**rest}",
            "/admin/openapi/authorization.json", "/admin/docs/{**rest}"]),
        ("token", ["/connect/token", "/connect/revoke", "/connect/device"]),
        ("profile", ["/account/{**rest}", "/connect/userinfo", "/admin/users/{**rest}", "/admin/openapi/profile.json"]),
        ("projection", ["/connect/introspect", "/audit/{**rest}", "/admin/projections/{**rest}"]),
    ];

    public static IReadOnlyList<RouteConfig> RouteConfigs() =>
        Routes.SelectMany(route => route.Paths.Select((path, index) => new RouteConfig
        {
            RouteId = $"{route.Upstream}-{index}",
            ClusterId = route.Upstream,
            Match = new RouteMatch { Path = path },
            RateLimiterPolicy = RateLimits.PolicyFor(path),
            // Services see the Host the client used, so the URLs OpenIddict builds (discovery) are the
            // issuer's, not the service's own address. YARP adds X-Forwarded-For/Proto.
            Transforms = [new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "true" }],
        })).ToList();

    public static IReadOnlyList<ClusterConfig> ClusterConfigs(IReadOnlyDictionary<string, Uri> upstreams) =>
        upstreams.Select(upstream => new ClusterConfig
        {
            ClusterId = upstream.Key,
            Destinations = new Dictionary<string, DestinationConfig>
            {
                ["primary"] = new() { Address = upstream.Value.AbsoluteUri },
            },
        }).ToList();
}
