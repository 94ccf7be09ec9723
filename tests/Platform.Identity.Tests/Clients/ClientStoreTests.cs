using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using Platform.Contracts.Events;
using Platform.Identity.Clients;
using Platform.Identity.Storage;
using Platform.Identity.Tokens;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Tests.Clients;

public sealed class ClientStoreTests(IdentityDatabase database) : IClassFixture<IdentityDatabase>
{
    private static OpenIddictApplicationManager<Client> Clients(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<OpenIddictApplicationManager<Client>>();

    private static OpenIddictApplicationDescriptor Descriptor(string clientId, string secret) => new()
    {
        ClientId = clientId,
        ClientSecret = secret,
        ClientType = ClientTypes.Confidential,
        DisplayName = "Shop",
        RedirectUris = { new Uri($"https://{clientId}.example/callback") },
        Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
    };

    private static string NewClientId() => "client-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Create_ThroughManager_AppendsClientRegisteredWithSha256SecretHash()
    {
        var clientId = NewClientId();
        var secret = ClientSecrets.Generate();
        await using var scope = database.Scope();
        var client = await Clients(scope).CreateAsync(Descriptor(clientId, secret));

        Assert.Equal(["client_registered"], await database.StoredEventNamesAsync(client.Id!));
        var registered = Assert.IsType<ClientRegistered>((await database.EventsAsync(client.Id!))[0].Data);
        Assert.Equal(clientId, registered.ClientId);
        Assert.True(ClientSecrets.Verify(secret, registered.SecretHash));
        Assert.DoesNotContain(await database.RawEventDataAsync(), row => row.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ValidateClientSecret_RightAndWrongSecret_AcceptsOnlyTheRightOne()
    {
        var clientId = NewClientId();
        var secret = ClientSecrets.Generate();
        await using (var scope = database.Scope())
        {
            await Clients(scope).CreateAsync(Descriptor(clientId, secret));
        }

        await using (var scope = database.Scope())
        {
            var clients = Clients(scope);
            var client = await clients.FindByClientIdAsync(clientId);
            Assert.NotNull(client);
            Assert.True(await clients.ValidateClientSecretAsync(client, secret));
            Assert.False(await clients.ValidateClientSecretAsync(client, ClientSecrets.Generate()));
        }
    }

    [Fact]
    public async Task Update_NewSecret_AppendsClientSecretRotated()
    {
        var clientId = NewClientId();
        var next = ClientSecrets.Generate();
        await using var scope = database.Scope();
        var clients = Clients(scope);
        var client = await clients.CreateAsync(Descriptor(clientId, ClientSecrets.Generate()));

        await clients.UpdateAsync(client, next);

        Assert.Equal(["client_registered", "client_secret_rotated"], await database.StoredEventNamesAsync(client.Id!));
        await using var later = database.Scope();
        var reloaded = await Clients(later).FindByClientIdAsync(clientId);
        Assert.True(await Clients(later).ValidateClientSecretAsync(reloaded!, next));
    }

    [Fact]
    public async Task Update_RedirectUriAdded_AppendsClientUpdated()
    {
        await using var scope = database.Scope();
        var clients = Clients(scope);
        var client = await clients.CreateAsync(Descriptor(NewClientId(), ClientSecrets.Generate()));
        var descriptor = new OpenIddictApplicationDescriptor();
        await clients.PopulateAsync(descriptor, client);
        descriptor.RedirectUris.Add(new Uri("https://other.example/callback"));

        await clients.UpdateAsync(client, descriptor);

        Assert.Equal(["client_registered", "client_updated"], await database.StoredEventNamesAsync(client.Id!));
        await using var later = database.Scope();
        var found = new List<Client>();
        await foreach (var match in Clients(later).FindByRedirectUriAsync("https://other.example/callback"))
        {
            found.Add(match);
        }

        Assert.Equal(client.Id, Assert.Single(found).Id);
    }

    [Fact]
    public async Task Update_NoChange_AppendsNothing()
    {
        await using var scope = database.Scope();
        var clients = Clients(scope);
        var client = await clients.CreateAsync(Descriptor(NewClientId(), ClientSecrets.Generate()));

        await clients.UpdateAsync(client);

        Assert.Equal(["client_registered"], await database.StoredEventNamesAsync(client.Id!));
    }

    [Fact]
    public async Task Update_StaleInstance_ThrowsConcurrencyException()
    {
        var clientId = NewClientId();
        Client stale;
        await using (var scope = database.Scope())
        {
            await Clients(scope).CreateAsync(Descriptor(clientId, ClientSecrets.Generate()));
            stale = (await Clients(scope).FindByClientIdAsync(clientId))!;
        }

        await using (var scope = database.Scope())
        {
            var current = await Clients(scope).FindByClientIdAsync(clientId);
            current!.DisplayName = "Shop, renamed";
            await Clients(scope).UpdateAsync(current);
        }

        stale.DisplayName = "Shop, renamed by someone late";
        await using (var scope = database.Scope())
        {
            await Assert.ThrowsAsync<OpenIddictExceptions.ConcurrencyException>(async () => await Clients(scope).UpdateAsync(stale));
        }
    }

    [Fact]
    public async Task FindByClientId_DisabledClient_ReturnsNullUntilEnabledAgain()
    {
        var clientId = NewClientId();
        string id;
        await using (var scope = database.Scope())
        {
            id = (await Clients(scope).CreateAsync(Descriptor(clientId, ClientSecrets.Generate()))).Id!;
        }

        await AppendAsync(id, new ClientDisabled(id, "compromised", DateTimeOffset.UtcNow));
        await using (var scope = database.Scope())
        {
            Assert.Null(await Clients(scope).FindByClientIdAsync(clientId));
            Assert.False((await Clients(scope).FindByIdAsync(id))!.Enabled);
        }

        await AppendAsync(id, new ClientEnabled(id, DateTimeOffset.UtcNow));

        // The replica that enables a client evicts its look-up (ClientAdministration), as this one does now; the
        // disabled client's miss would otherwise be served for Platform:Identity:LookupLifetime, as on other replicas.
        database.Services.GetRequiredService<ReadCache<Client>>().Evict(clientId);
        await using (var scope = database.Scope())
        {
            Assert.NotNull(await Clients(scope).FindByClientIdAsync(clientId));
        }
    }

    [Fact]
    public async Task Delete_WithTokens_PrunesTokensThenAppendsClientDeleted()
    {
        await using var scope = database.Scope();
        var client = await Clients(scope).CreateAsync(Descriptor(NewClientId(), ClientSecrets.Generate()));
        var tokens = scope.ServiceProvider.GetRequiredService<OpenIddictTokenManager<Token>>();
        var token = await tokens.CreateAsync(new OpenIddictTokenDescriptor
        {
            ApplicationId = client.Id,
            Type = TokenTypeIdentifiers.AccessToken,
            Status = Statuses.Valid,
            Subject = "alice",
            CreationDate = DateTimeOffset.UtcNow,
        });

        await Clients(scope).DeleteAsync(client);

        Assert.Equal(["client_registered", "client_deleted"], await database.StoredEventNamesAsync(client.Id!));
        Assert.Equal(["token_issued", "token_pruned"], await database.StoredEventNamesAsync(token.Id!));
        await using var later = database.Scope();
        Assert.Null(await Clients(later).FindByIdAsync(client.Id!));
    }

    private async Task AppendAsync(string streamId, object e)
    {
        await using var session = database.Documents.LightweightSession();
        session.Events.Append(streamId, e);
        await session.SaveChangesAsync();
    }
}
