using Platform.Contracts;
using Platform.Identity;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Bus;
using Platform.Token.Tokens;

return await PlatformHost.RunAsync(args, builder =>
{
    builder.AddServiceDefaults();
    builder.AddPlatformEventStore(store => store.AddIdentityDocuments().UseQuickAppends())
        .AddEventRelay("token", StreamKinds.Token);
    builder.AddPlatformBus();
    builder.AddTokenEndpoints();

    var app = builder.Build();
    app.UseForwardedHeaders();
    app.MapHealthEndpoints();
    app.MapTokenEndpoints();
    return app;
});
