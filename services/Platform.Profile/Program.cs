using Platform.Contracts;
using Platform.Identity;
using Platform.Identity.Admin;
using Platform.Identity.Protocol;
using Platform.Identity.Seeding;
using Platform.Profile.Account;
using Platform.Profile.Admin;
using Platform.Profile.Seeding;
using Platform.Profile.UserInfo;
using Platform.Profile.Users;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Bus;

return await PlatformHost.RunAsync(args, builder =>
{
    builder.AddServiceDefaults();
    builder.AddPlatformEventStore(store => store.AddIdentityDocuments().AddUserDocuments())
        .AddEventRelay("profile", StreamKinds.User);
    builder.AddPlatformBus();
    builder.AddUsers();
    builder.AddSeeding<SeedUsersAtStartup>();
    builder.AddAccountPages();
    builder.AddUserInfo();
    builder.AddUserAdministration();
    builder.Services.AddAdminOpenApi("profile");

    var app = builder.Build();
    app.UseForwardedHeaders();
    app.MapHealthEndpoints();
    app.UseOwnedEndpointsOnly(PlatformService.Profile);
    app.UseAuthentication();
    app.UseAuthorization();
    app.MapAccountPages();
    app.MapUserInfo();
    app.MapUserAdministration();
    app.MapAdminDocs(withReference: false);
    return app;
});
