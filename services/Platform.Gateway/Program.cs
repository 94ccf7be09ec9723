using Platform.Gateway.Routing;
using Platform.ServiceDefaults;

return await PlatformHost.RunAsync(args, builder =>
{
    builder.AddServiceDefaults();
    builder.AddRouteTable();
    builder.AddRateLimits();

    var app = builder.Build();
    // Behind an ingress that terminates TLS: the client's scheme and address (from the known networks only), which
    // YARP passes on to the backends as X-Forwarded-Proto/For and the rate limits partition by.
    app.UseForwardedHeadersFromKnownNetworksOnly();
    app.MapHealthEndpoints();
    app.UseSecurityHeaders();
    app.UseRateLimiter();
    app.MapReverseProxy();
    return app;
});
