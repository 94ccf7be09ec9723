using Platform.Contracts;
using Platform.Identity;
using Platform.Identity.Seeding;
using Platform.Profile.Seeding;
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

    var app = builder.Build();
    app.UseForwardedHeaders();
    app.MapHealthEndpoints();
    return app;
});
