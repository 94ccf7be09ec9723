using Platform.Authorization.Authorizing;
using Platform.Authorization.Clients;
using Platform.Authorization.Clients.Registering;
using Platform.Authorization.Discovery;
using Platform.Authorization.DynamicRegistration;
using Platform.Authorization.Grants;
using Platform.Authorization.DefiningScopes;
using Platform.Authorization.Tokens;
using Platform.Authorization.Pages;
using Platform.Authorization.Seeding;
using Platform.Authorization.SigningOut;
using Platform.Contracts;
using Platform.Identity;
using Platform.Identity.Admin;
using Platform.Identity.Seeding;
using Platform.Identity.Protocol;
using Platform.Identity.Server;
using Platform.Identity.Sessions;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Bus;

return await PlatformHost.RunAsync(args, builder =>
{
    builder.AddServiceDefaults();
    builder.AddPlatformEventStore(store => store.AddIdentityDocuments())
        .AddEventRelay("authorization", StreamKinds.Client, StreamKinds.Scope, StreamKinds.Grant);
    builder.AddPlatformBus();
    builder.AddPlatformOpenIddict(server => server.AdvertiseOnlyWhatWorks())
        .AddValidation(validation =>
        {
            validation.UseLocalServer();
            validation.UseAspNetCore();
        });
    builder.AddAdminAuthorization();
    builder.AddSignInSession();
    builder.Services.AddAntiforgery();
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddScoped<ClientRegistrar>();
    builder.Services.AddScoped<ClientAdministration>();
    builder.AddSeeding<SeedAtStartup>();
    builder.AddDynamicRegistration();
    builder.Services.AddAdminOpenApi("authorization");

    var app = builder.Build();
    app.UseForwardedHeaders();
    app.MapHealthEndpoints();
    app.UseOwnedEndpointsOnly(PlatformService.Authorization);
    app.UseProtocolErrorPages();
    app.UseAuthentication();
    app.UseAuthorization();
    app.MapClientRegistration();
    app.MapClientAdministration();
    app.MapScopeAdministration();
    app.MapGrantAdministration();
    app.MapTokenAdministration();
    app.MapDynamicRegistration();
    app.MapAdminDocs(withReference: true);
    app.MapAuthorization();
    app.MapEndSession();
    return app;
});
