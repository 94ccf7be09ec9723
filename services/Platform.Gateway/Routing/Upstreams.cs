using Platform.ServiceDefaults;

namespace Platform.Gateway.Routing;

/// <summary>Where each service listens (settings <c>Platform:Upstreams:Authorization</c>, <c>:Token</c>, <c>:Profile</c>, <c>:Projection</c>).</summary>
public static class Upstreams
{
    public static IReadOnlyDictionary<string, Uri> Read(IConfiguration configuration) =>
        RouteTable.Routes.ToDictionary(
            route => route.Upstream,
            route => configuration.RequireAbsoluteUri(
                $"Platform:Upstreams:{char.ToUpperInvariant(route.Upstream[0])}{route.Upstream[1..]}",
                $"the base URL of the {route.Upstream} service (for example http://127.0.0.1:5001/)"));

    public static WebApplicationBuilder AddRouteTable(this WebApplicationBuilder builder)
    {
        var upstreams = Read(builder.Configuration);
        builder.Services.AddReverseProxy().LoadFromMemory(RouteTable.RouteConfigs(), RouteTable.ClusterConfigs(upstreams));
        return builder;
    }
}
