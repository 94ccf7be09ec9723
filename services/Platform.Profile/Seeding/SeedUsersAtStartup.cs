using Platform.Identity.Seeding;
using Platform.Profile.Users.Registering;

namespace Platform.Profile.Seeding;

/// <summary>Creates the seed file's users that do not exist yet. Existing users, and their passwords, are left untouched.</summary>
public sealed class SeedUsersAtStartup(SeedFile seed, IServiceScopeFactory scopes, ILogger<SeedUsersAtStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var user in seed.Users)
        {
            await using var scope = scopes.CreateAsyncScope();
            var registrar = scope.ServiceProvider.GetRequiredService<UserRegistrar>();
            var (_, rejected, exists) = await registrar.RegisterAsync(new RegisterUser(user.UserName, user.Email, user.Password), cancellationToken);
            if (rejected is not null)
            {
                throw SeedRegistration.Invalid("user", user.UserName, rejected.Errors);
            }

            if (!exists)
            {
                logger.LogInformation("Seeded user {UserName}", user.UserName);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
