using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using Platform.Identity.Clients;
using Platform.Identity.Scopes;
using Platform.Identity.Storage;
using Platform.Identity.Tokens;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Tests.Clients;

/// <summary>
/// The per-replica caches of client and scope look-ups (issue 9): bounded in time, evicted by this replica's own
/// writes, handing out copies; client ids found missing remembered too (issue 8: an unknown client costs what a
/// known one does), bounded in time and number; and the reference id's uniqueness held by the unique index, not a look-up.
/// </summary>
public sealed class LookupCacheTests(IdentityDatabase database) : IClassFixture<IdentityDatabase>
{
    private static OpenIddictApplicationManager<Client> Clients(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<OpenIddictApplicationManager<Client>>();

    private static OpenIddictApplicationDescriptor Descriptor(string clientId, string secret) => new()
    {
        ClientId = clientId,
        ClientSecret = secret,
        ClientType = ClientTypes.Confidential,
        DisplayName = "Shop",
        Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
    };

    [Fact]
    public void Cache_EntryOlderThanTheLifetime_IsNotServed()
    {
        var clock = new FakeTimeProvider();
        var cache = new ReadCache<Client>(new IdentityCacheOptions { LookupLifetime = TimeSpan.FromSeconds(5) }, c => c.Copy(), clock);
        cache.Set("a", new Client { ClientId = "a" }, cache.Now());
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.True(cache.TryGet("a", out _));

        clock.Advance(TimeSpan.FromSeconds(0.2));

        Assert.False(cache.TryGet("a", out _));
    }

    [Fact]
    public void Cache_ReadThatStartedALifetimeAgo_IsNotCached()
    {
        var clock = new FakeTimeProvider();
        var cache = new ReadCache<Client>(new IdentityCacheOptions { LookupLifetime = TimeSpan.FromSeconds(5) }, c => c.Copy(), clock);
        var started = cache.Now();
        clock.Advance(TimeSpan.FromSeconds(5.1));

        cache.Set("a", new Client { ClientId = "a" }, started);

        Assert.False(cache.TryGet("a", out _));
    }

    [Fact]
    public void Cache_HandsOutCopies_SoACallerMutatingItsInstanceChangesNoOtherCaller()
    {
        var cache = new ReadCache<Client>(new IdentityCacheOptions(), c => c.Copy());
        cache.Set("a", new Client { ClientId = "a", ClientSecret = "hash", Permissions = ["p"] }, cache.Now());

        Assert.True(cache.TryGet("a", out var first));
        first.ClientSecret = "changed";
        first.Permissions[0] = "changed";

        Assert.True(cache.TryGet("a", out var second));
        Assert.Equal("hash", second.ClientSecret);
        Assert.Equal(["p"], second.Permissions);
    }

    [Fact]
    public void Cache_ZeroLifetime_CachesNothing()
    {
        var cache = new ReadCache<Client>(new IdentityCacheOptions { LookupLifetime = TimeSpan.Zero }, c => c.Copy());
        cache.Set("a", new Client { ClientId = "a" }, cache.Now());
        Assert.False(cache.TryGet("a", out _));
    }

    [Fact]
    public void Cache_MissOlderThanTheLifetime_IsForgotten()
    {
        var clock = new FakeTimeProvider();
        var cache = new ReadCache<Client>(new IdentityCacheOptions { LookupLifetime = TimeSpan.FromSeconds(5) }, c => c.Copy(), clock);
        cache.SetMissing("nobody", cache.Now());
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.True(cache.IsMissing("nobody"));

        clock.Advance(TimeSpan.FromSeconds(0.2));

        Assert.False(cache.IsMissing("nobody"));
    }

    [Fact]
    public void Cache_FloodOfUnknownKeys_RemembersNoMoreThanTheLimit()
    {
        var clock = new FakeTimeProvider();
        var cache = new ReadCache<Client>(new IdentityCacheOptions { LookupLifetime = TimeSpan.FromSeconds(5), MaxMisses = 100 }, c => c.Copy(), clock);

        for (var i = 0; i < 10_000; i++)
        {
            cache.SetMissing(Guid.NewGuid().ToString("N"), cache.Now());
        }

        Assert.Equal(100, cache.MissCount);

        // Once the flood's misses expire, new ones are remembered again, still within the limit.
        clock.Advance(TimeSpan.FromSeconds(6));
        cache.SetMissing("after-the-flood", cache.Now());
        Assert.True(cache.IsMissing("after-the-flood"));
        Assert.True(cache.MissCount <= 100, $"{cache.MissCount}");
    }

    [Fact]
    public async Task FindByClientId_UnknownThenRegisteredOnAnotherReplica_FoundOnceTheLifetimeEnds()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = database.Services.GetRequiredService<IOptionsMonitor<OpenIddictCoreOptions>>();
        var cache = new ReadCache<Client>(new IdentityCacheOptions { LookupLifetime = TimeSpan.FromSeconds(5) }, c => c.Copy(), clock);
        var here = new ClientStore(database.Documents, options, cache);
        var elsewhere = new ClientStore(database.Documents, options, new ReadCache<Client>(new IdentityCacheOptions(), c => c.Copy()));
        var clientId = "client-" + Guid.NewGuid().ToString("N");
        Assert.Null(await here.FindByClientIdAsync(clientId, CancellationToken.None));

        await elsewhere.CreateAsync(new Client { ClientId = clientId, ClientSecret = ClientSecrets.Hash(ClientSecrets.Generate()), ClientType = ClientTypes.Confidential }, CancellationToken.None);

        // This replica answers the miss from memory (as fast as a known client) until its lifetime ends.
        Assert.Null(await here.FindByClientIdAsync(clientId, CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(5.1));
        Assert.NotNull(await here.FindByClientIdAsync(clientId, CancellationToken.None));
    }

    [Fact]
    public async Task FindByClientId_AfterSecretRotatedOnThisReplica_OldSecretRefusedAtOnce()
    {
        var clientId = "client-" + Guid.NewGuid().ToString("N");
        var old = ClientSecrets.Generate();
        var next = ClientSecrets.Generate();
        await using (var scope = database.Scope())
        {
            await Clients(scope).CreateAsync(Descriptor(clientId, old));
        }

        await using (var scope = database.Scope())
        {
            // Cached by this look-up.
            var client = await Clients(scope).FindByClientIdAsync(clientId);
            Assert.True(await Clients(scope).ValidateClientSecretAsync(client!, old));
            await Clients(scope).UpdateAsync(client!, next);
        }

        await using (var scope = database.Scope())
        {
            var client = await Clients(scope).FindByClientIdAsync(clientId);
            Assert.False(await Clients(scope).ValidateClientSecretAsync(client!, old));
            Assert.True(await Clients(scope).ValidateClientSecretAsync(client!, next));
        }
    }

    [Fact]
    public async Task FindByClientId_UnknownThenRegistered_FoundAtOnce()
    {
        var clientId = "client-" + Guid.NewGuid().ToString("N");
        await using (var scope = database.Scope())
        {
            Assert.Null(await Clients(scope).FindByClientIdAsync(clientId));
        }

        await using (var scope = database.Scope())
        {
            await Clients(scope).CreateAsync(Descriptor(clientId, ClientSecrets.Generate()));
        }

        await using (var scope = database.Scope())
        {
            Assert.NotNull(await Clients(scope).FindByClientIdAsync(clientId));
        }
    }

    [Fact]
    public async Task FindByNames_AfterScopeChangedOnThisReplica_SeesTheChange()
    {
        var name = "scope-" + Guid.NewGuid().ToString("N");
        await using (var scope = database.Scope())
        {
            await scope.ServiceProvider.GetRequiredService<OpenIddictScopeManager<Scope>>()
                .CreateAsync(new OpenIddictScopeDescriptor { Name = name, Resources = { "first" } });
        }

        await using (var scope = database.Scope())
        {
            var scopes = scope.ServiceProvider.GetRequiredService<OpenIddictScopeManager<Scope>>();
            Assert.Equal(["first"], await scopes.ListResourcesAsync([name]).ToListAsync());
            var stored = await scopes.FindByNameAsync(name);
            var descriptor = new OpenIddictScopeDescriptor();
            await scopes.PopulateAsync(descriptor, stored!);
            descriptor.Resources.Clear();
            descriptor.Resources.Add("second");
            await scopes.UpdateAsync(stored!, descriptor);
        }

        await using (var scope = database.Scope())
        {
            var scopes = scope.ServiceProvider.GetRequiredService<OpenIddictScopeManager<Scope>>();
            Assert.Equal(["second"], await scopes.ListResourcesAsync([name]).ToListAsync());
        }
    }

    [Fact]
    public async Task StoreCreate_SameReferenceIdTwice_SecondRefusedByTheUniqueIndex()
    {
        var reference = "ref-" + Guid.NewGuid().ToString("N");
        await using var scope = database.Scope();
        var store = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenStore<Token>>();
        Token New() => new() { Type = TokenTypeIdentifiers.AccessToken, Status = Statuses.Valid, ReferenceId = reference, CreationDate = DateTimeOffset.UtcNow };

        await store.CreateAsync(New(), CancellationToken.None);

        await Assert.ThrowsAnyAsync<Exception>(async () => await store.CreateAsync(New(), CancellationToken.None));
        Assert.NotNull(await store.FindByReferenceIdAsync(reference, CancellationToken.None));
    }
}
