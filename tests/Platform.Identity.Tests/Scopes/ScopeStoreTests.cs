using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using Platform.Identity.Scopes;
using Xunit;

namespace Platform.Identity.Tests.Scopes;

public sealed class ScopeStoreTests(IdentityDatabase database) : IClassFixture<IdentityDatabase>
{
    private static OpenIddictScopeManager<Scope> Scopes(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<OpenIddictScopeManager<Scope>>();

    private static string NewName() => "scope." + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Create_ThroughManager_AppendsScopeDefinedAndIsFoundByNameAndResource()
    {
        var name = NewName();
        var resource = "api-" + Guid.NewGuid().ToString("N");
        await using var scope = database.Scope();
        var created = await Scopes(scope).CreateAsync(new OpenIddictScopeDescriptor
        {
            Name = name,
            DisplayName = "Read your documents",
            Resources = { resource },
        });

        Assert.Equal(["scope_defined"], await database.StoredEventNamesAsync(created.Id!));
        await using var later = database.Scope();
        var scopes = Scopes(later);
        Assert.Equal(created.Id, (await scopes.FindByNameAsync(name))?.Id);

        var byNames = new List<Scope>();
        await foreach (var found in scopes.FindByNamesAsync([name, "unknown"]))
        {
            byNames.Add(found);
        }

        Assert.Equal(created.Id, Assert.Single(byNames).Id);

        var byResource = new List<Scope>();
        await foreach (var found in scopes.FindByResourceAsync(resource))
        {
            byResource.Add(found);
        }

        Assert.Equal(created.Id, Assert.Single(byResource).Id);
        Assert.Equal([resource], await scopes.ListResourcesAsync(ImmutableArray.Create(name)).ToListAsync());
    }

    [Fact]
    public async Task Update_DisplayNameChanged_AppendsScopeDefinedAgain()
    {
        await using var scope = database.Scope();
        var scopes = Scopes(scope);
        var created = await scopes.CreateAsync(new OpenIddictScopeDescriptor { Name = NewName(), DisplayName = "Before" });

        created.DisplayName = "After";
        await scopes.UpdateAsync(created);
        await scopes.UpdateAsync(created);

        Assert.Equal(["scope_defined", "scope_defined"], await database.StoredEventNamesAsync(created.Id!));
        await using var later = database.Scope();
        Assert.Equal("After", (await Scopes(later).FindByIdAsync(created.Id!))?.DisplayName);
    }

    [Fact]
    public async Task Delete_AppendsScopeRemovedAndRemovesDocument()
    {
        var name = NewName();
        await using var scope = database.Scope();
        var created = await Scopes(scope).CreateAsync(new OpenIddictScopeDescriptor { Name = name });

        await Scopes(scope).DeleteAsync(created);

        Assert.Equal(["scope_defined", "scope_removed"], await database.StoredEventNamesAsync(created.Id!));
        await using var later = database.Scope();
        Assert.Null(await Scopes(later).FindByNameAsync(name));
    }
}
