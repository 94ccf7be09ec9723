using Platform.Authorization.Clients.Registering;
using Platform.Authorization.Seeding;
using Platform.Contracts;
using Platform.Identity;
using Platform.Identity.Seeding;
using Platform.Identity.Protocol;
using Platform.Identity.Server;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Bus;

return await PlatformHost.RunAsync(args, builder =>
{
    builder.AddServiceDefaults();
    builder.AddPlatformEventStore(store => store.AddIdentityDocuments())
        .AddEventRelay("authorization", StreamKinds.Client, StreamKinds.Scope, StreamKinds.Grant);
    builder.AddPlatformBus();
    builder.AddPlatformOpenIddict()
        .AddValidation(validation =>
        {
            validation.UseLocalServer();
            validation.UseAspNetCore();
        });
    builder.AddAdminAuthorization();
    builder.Services.AddScoped<ClientRegistrar>();
    builder.AddSeeding<SeedAtStartup>();

    var app = builder.Build();
    app.UseForwardedHeaders();
    app.MapHealthEndpoints();
    app.UseOwnedEndpointsOnly(PlatformService.Authorization);
    app.UseAuthentication();
    app.UseAuthorization();
    app.MapClientRegistration();
    return app;
});
