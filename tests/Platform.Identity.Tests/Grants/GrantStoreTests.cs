using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using Platform.Contracts.Events;
using Platform.Identity.Grants;
using Platform.Identity.Tokens;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Tests.Grants;

public sealed class GrantStoreTests(IdentityDatabase database) : IClassFixture<IdentityDatabase>
{
    private static OpenIddictAuthorizationManager<Grant> Grants(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<OpenIddictAuthorizationManager<Grant>>();

    private static OpenIddictTokenManager<Token> Tokens(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<OpenIddictTokenManager<Token>>();

    private static OpenIddictAuthorizationDescriptor Descriptor(
        string subject, string type = AuthorizationTypes.Permanent, DateTimeOffset? createdAt = null) => new()
    {
        ApplicationId = "app-1",
        Subject = subject,
        Type = type,
        Status = Statuses.Valid,
        CreationDate = createdAt ?? DateTimeOffset.UtcNow,
        Scopes = { "openid", "documents.read" },
    };

    private static string NewSubject() => "user-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Create_ThroughManager_AppendsGrantApprovedAndIsFoundWithItsScopes()
    {
        var subject = NewSubject();
        await using var scope = database.Scope();
        var grant = await Grants(scope).CreateAsync(Descriptor(subject));

        Assert.Equal(["grant_approved"], await database.StoredEventNamesAsync(grant.Id!));
        await using var later = database.Scope();
        var found = new List<Grant>();
        await foreach (var match in Grants(later).FindAsync(subject, "app-1", Statuses.Valid, AuthorizationTypes.Permanent, ImmutableArray.Create("openid")))
        {
            found.Add(match);
        }

        Assert.Equal(grant.Id, Assert.Single(found).Id);

        var none = new List<Grant>();
        await foreach (var match in Grants(later).FindAsync(subject, "app-1", Statuses.Valid, AuthorizationTypes.Permanent, ImmutableArray.Create("admin")))
        {
            none.Add(match);
        }

        Assert.Empty(none);
    }

    [Fact]
    public async Task TryRevoke_AppendsGrantRevokedOnce()
    {
        await using var scope = database.Scope();
        var grant = await Grants(scope).CreateAsync(Descriptor(NewSubject()));

        Assert.True(await Grants(scope).TryRevokeAsync(grant));
        Assert.True(await Grants(scope).TryRevokeAsync(grant));

        Assert.Equal(["grant_approved", "grant_revoked"], await database.StoredEventNamesAsync(grant.Id!));
    }

    [Fact]
    public async Task RevokeBySubject_AmbientSignedOut_RevokesEachValidGrant()
    {
        var subject = NewSubject();
        var ids = new List<string>();
        await using (var scope = database.Scope())
        {
            ids.Add((await Grants(scope).CreateAsync(Descriptor(subject))).Id!);
            ids.Add((await Grants(scope).CreateAsync(Descriptor(subject, AuthorizationTypes.AdHoc))).Id!);
        }

        await using (var scope = database.Scope())
        using (RevocationReason.Use(RevocationReasons.SignedOut))
        {
            Assert.Equal(2, await Grants(scope).RevokeBySubjectAsync(subject));
            Assert.Equal(0, await Grants(scope).RevokeBySubjectAsync(subject));
        }

        foreach (var id in ids)
        {
            var events = await database.EventsAsync(id);
            Assert.Equal(["grant_approved", "grant_revoked"], events.Select(e => e.EventTypeName));
            Assert.Equal(RevocationReasons.SignedOut, Assert.IsType<GrantRevoked>(events[1].Data).Reason);
        }
    }

    [Fact]
    public async Task Prune_OldRevokedAndEmptyAdHoc_PrunedOthersKept()
    {
        var old = DateTimeOffset.UtcNow.AddDays(-30);
        var subject = NewSubject();
        string revoked, emptyAdHoc, adHocWithToken, permanent;
        await using (var scope = database.Scope())
        {
            var grants = Grants(scope);
            var toRevoke = await grants.CreateAsync(Descriptor(subject, createdAt: old));
            await grants.TryRevokeAsync(toRevoke);
            revoked = toRevoke.Id!;
            emptyAdHoc = (await grants.CreateAsync(Descriptor(subject, AuthorizationTypes.AdHoc, old))).Id!;
            adHocWithToken = (await grants.CreateAsync(Descriptor(subject, AuthorizationTypes.AdHoc, old))).Id!;
            permanent = (await grants.CreateAsync(Descriptor(subject, createdAt: old))).Id!;
            await Tokens(scope).CreateAsync(new OpenIddictTokenDescriptor
            {
                AuthorizationId = adHocWithToken,
                Type = TokenTypeIdentifiers.RefreshToken,
                Status = Statuses.Valid,
                Subject = subject,
                CreationDate = DateTimeOffset.UtcNow,
                ExpirationDate = DateTimeOffset.UtcNow.AddDays(1),
            });
        }

        await using (var scope = database.Scope())
        {
            Assert.True(await Grants(scope).PruneAsync(DateTimeOffset.UtcNow.AddDays(-1)) >= 2);
        }

        Assert.Equal(["grant_approved", "grant_revoked", "grant_pruned"], await database.StoredEventNamesAsync(revoked));
        Assert.Equal(["grant_approved", "grant_pruned"], await database.StoredEventNamesAsync(emptyAdHoc));
        Assert.Equal(["grant_approved"], await database.StoredEventNamesAsync(adHocWithToken));
        Assert.Equal(["grant_approved"], await database.StoredEventNamesAsync(permanent));
    }

    [Fact]
    public async Task Delete_WithTokens_PrunesTokensThenTheGrant()
    {
        await using var scope = database.Scope();
        var grant = await Grants(scope).CreateAsync(Descriptor(NewSubject()));
        var token = await Tokens(scope).CreateAsync(new OpenIddictTokenDescriptor
        {
            AuthorizationId = grant.Id,
            Type = TokenTypeIdentifiers.RefreshToken,
            Status = Statuses.Valid,
            Subject = grant.Subject,
            CreationDate = DateTimeOffset.UtcNow,
        });

        await Grants(scope).DeleteAsync(grant);

        Assert.Equal(["grant_approved", "grant_pruned"], await database.StoredEventNamesAsync(grant.Id!));
        Assert.Equal(["token_issued", "token_pruned"], await database.StoredEventNamesAsync(token.Id!));
    }
}
