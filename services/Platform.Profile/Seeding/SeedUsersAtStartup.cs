using Platform.Identity.Seeding;
using Platform.Profile.Users.Registering;
using Platform.ServiceDefaults;

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
                // The seed file is configuration: a bad entry stops the service with one sentence (exit 78), not a stack trace.
                throw new MissingSettingException(SeedFile.Key, "a seed file whose users are valid",
                    $"user '{user.UserName}' is invalid ({string.Join("; ", rejected.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value).TrimEnd('.')}"))})");
            }

            if (!exists)
            {
                logger.LogInformation("Seeded user {UserName}", user.UserName);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class SeedingRegistration
{
    public static WebApplicationBuilder AddSeeding(this WebApplicationBuilder builder)
    {
        if (SeedFile.Read(builder.Configuration) is { } seed)
        {
            builder.Services.AddSingleton(seed);
            builder.Services.AddHostedService<SeedUsersAtStartup>();
        }

        return builder;
    }
}
