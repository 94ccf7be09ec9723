using JasperFx.Events.Projections;
using Microsoft.AspNetCore.Identity;
using Platform.Profile.Users.Registering;

namespace Platform.Profile.Users;

public static class UserStore
{
    public static Marten.StoreOptions AddUserDocuments(this Marten.StoreOptions options)
    {
        options.Projections.Add<UserAccountProjection>(ProjectionLifecycle.Inline);
        options.Schema.For<UserAccount>().UniqueIndex(user => user.UserName).Index(user => user.Email!);
        options.Schema.For<UserCredential>();
        return options;
    }

    public static WebApplicationBuilder AddUsers(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IPasswordHasher<UserAccount>, PasswordHasher<UserAccount>>();
        builder.Services.AddScoped<UserRegistrar>();
        return builder;
    }
}
