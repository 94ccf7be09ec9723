using OpenIddict.Abstractions;
using Platform.Authorization.Clients.Registering;
using Platform.Identity.Seeding;

namespace Platform.Authorization.Seeding;

/// <summary>Creates the seed file's scopes and clients that do not exist yet. Existing ones are left untouched.</summary>
public sealed class SeedAtStartup(SeedFile seed, IServiceScopeFactory scopes, ILogger<SeedAtStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var scopeManager = scope.ServiceProvider.GetRequiredService<IOpenIddictScopeManager>();
        foreach (var definition in seed.Scopes)
        {
            if (await scopeManager.FindByNameAsync(definition.Name, cancellationToken) is null)
            {
                var descriptor = new OpenIddictScopeDescriptor { Name = definition.Name, DisplayName = definition.DisplayName };
                descriptor.Resources.UnionWith(definition.Resources ?? []);
                await scopeManager.CreateAsync(descriptor, cancellationToken);
                logger.LogInformation("Seeded scope {Scope}", definition.Name);
            }
        }

        var registrar = scope.ServiceProvider.GetRequiredService<ClientRegistrar>();
        foreach (var client in seed.Clients)
        {
            var request = new RegisterClient(client.ClientId, client.DisplayName, client.GrantTypes, client.Scopes, client.RedirectUris, client.Introspection,
                client.ClientType, client.ApplicationType, client.PostLogoutRedirectUris, client.ConsentType);
            var outcome = await registrar.RegisterAsync(request, client.ClientSecret, cancellationToken);
            if (outcome.Rejected is { } rejected)
            {
                throw SeedRegistration.Invalid("client", client.ClientId, rejected.Errors);
            }

            if (!outcome.Conflict)
            {
                logger.LogInformation("Seeded client {ClientId}", client.ClientId);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
