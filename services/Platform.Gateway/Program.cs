using Platform.Gateway.Routing;
using Platform.ServiceDefaults;

return await PlatformHost.RunAsync(args, builder =>
{
    builder.AddServiceDefaults();
    builder.AddRouteTable();
    builder.AddRateLimits();

    var app = builder.Build();
    app.MapHealthEndpoints();
    app.UseSecurityHeaders();
    app.UseRateLimiter();
    app.MapReverseProxy();
    return app;
});
