using Marten;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using Platform.Contracts.Events;
using Platform.Identity.Tokens;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Tests.Tokens;

public sealed class TokenStoreTests(IdentityDatabase database) : IClassFixture<IdentityDatabase>
{
    private static OpenIddictTokenManager<Token> Tokens(AsyncServiceScope scope) =>
        scope.ServiceProvider.GetRequiredService<OpenIddictTokenManager<Token>>();

    private static OpenIddictTokenDescriptor Descriptor(
        string type = TokenTypeIdentifiers.Private.AuthorizationCode,
        string? authorizationId = null,
        DateTimeOffset? createdAt = null,
        DateTimeOffset? expiresAt = null,
        string subject = "alice") => new()
    {
        ApplicationId = "app-1",
        AuthorizationId = authorizationId,
        CreationDate = createdAt ?? DateTimeOffset.UtcNow,
        ExpirationDate = expiresAt ?? DateTimeOffset.UtcNow.AddMinutes(5),
        Status = Statuses.Valid,
        Subject = subject,
        Type = type,
        Principal = Principals.For(subject, "shop", ["openid", "documents.read"], ["documents"]),
    };

    [Fact]
    public async Task Create_ThroughManager_AppendsTokenIssuedWithScopesAudiencesAndClient()
    {
        await using var scope = database.Scope();
        var token = await Tokens(scope).CreateAsync(Descriptor());

        Assert.Equal(["token_issued"], await database.StoredEventNamesAsync(token.Id!));
        var issued = Assert.IsType<TokenIssued>((await database.EventsAsync(token.Id!))[0].Data);
        Assert.Equal(TokenKinds.AuthorizationCode, issued.Kind);
        Assert.Equal(["openid", "documents.read"], issued.Scopes);
        Assert.Equal(["documents"], issued.Audiences);
        Assert.Equal(["shop"], issued.Presenters);
        Assert.Equal("shop", issued.ClientId);
        Assert.Equal("alice", issued.Subject);

        await using var next = database.Scope();
        var found = await Tokens(next).FindByIdAsync(token.Id!);
        Assert.NotNull(found);
        Assert.Equal(1, found.Version);
        Assert.Equal(TokenTypeIdentifiers.Private.AuthorizationCode, await Tokens(next).GetTypeAsync(found));
        Assert.Equal(Statuses.Valid, await Tokens(next).GetStatusAsync(found));
    }

    [Fact]
    public async Task Create_WithPreassignedId_KeepsIt()
    {
        var id = Guid.CreateVersion7().ToString();
        await using var scope = database.Scope();
        var token = new Token { Id = id };
        await Tokens(scope).PopulateAsync(token, Descriptor());
        await Tokens(scope).CreateAsync(token);

        Assert.Equal(id, token.Id);
        Assert.Equal(["token_issued"], await database.StoredEventNamesAsync(id));
    }

    [Fact]
    public async Task Create_WithReferenceIdAndPayload_NoCredentialReachesTheEventStore()
    {
        var referenceId = "raw-reference-" + Guid.NewGuid().ToString("N");
        var payload = "eyJhbGciOiJSUzI1NiJ9.payload-" + Guid.NewGuid().ToString("N") + ".signature";
        string id;
        await using (var scope = database.Scope())
        {
            var descriptor = Descriptor(TokenTypeIdentifiers.AccessToken);
            descriptor.ReferenceId = referenceId;
            descriptor.Payload = payload;
            id = (await Tokens(scope).CreateAsync(descriptor)).Id!;
        }

        await using (var scope = database.Scope())
        {
            var found = await Tokens(scope).FindByReferenceIdAsync(referenceId);
            Assert.NotNull(found);
            Assert.Equal(id, found.Id);
            Assert.Equal(payload, await Tokens(scope).GetPayloadAsync(found));
            Assert.NotEqual(referenceId, found.ReferenceId);
        }

        var issued = Assert.IsType<TokenIssued>((await database.EventsAsync(id))[0].Data);
        Assert.NotNull(issued.ReferenceIdHash);
        var raw = await database.RawEventDataAsync();
        Assert.DoesNotContain(raw, row => row.Contains(referenceId, StringComparison.Ordinal));
        Assert.DoesNotContain(raw, row => row.Contains(payload, StringComparison.Ordinal));
        Assert.DoesNotContain(raw, row => row.Contains("payload-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Update_ReferenceAndPayloadAttachedLater_AppendsTokenReferenceAttachedOnly()
    {
        // OpenIddict's own flow for reference tokens: create the entry, read it back, attach payload and reference.
        var referenceId = "raw-reference-" + Guid.NewGuid().ToString("N");
        string id;
        await using (var scope = database.Scope())
        {
            id = (await Tokens(scope).CreateAsync(Descriptor(TokenTypeIdentifiers.AccessToken))).Id!;
        }

        await using (var scope = database.Scope())
        {
            var tokens = Tokens(scope);
            var token = await tokens.FindByIdAsync(id);
            var descriptor = new OpenIddictTokenDescriptor();
            await tokens.PopulateAsync(descriptor, token!);
            descriptor.Payload = "the-payload";
            descriptor.ReferenceId = referenceId;
            descriptor.Principal = Principals.For("alice", "shop", ["openid", "documents.read"], ["documents"]);
            await tokens.UpdateAsync(token!, descriptor);
        }

        Assert.Equal(["token_issued", "token_reference_attached"], await database.StoredEventNamesAsync(id));
        await using (var scope = database.Scope())
        {
            var found = await Tokens(scope).FindByReferenceIdAsync(referenceId);
            Assert.Equal(id, found?.Id);
            Assert.Equal("the-payload", await Tokens(scope).GetPayloadAsync(found!));
        }

        Assert.DoesNotContain(await database.RawEventDataAsync(), row => row.Contains(referenceId, StringComparison.Ordinal) || row.Contains("the-payload", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TryRedeem_TwoConcurrentRedemptions_ExactlyOneWins()
    {
        string id;
        await using (var scope = database.Scope())
        {
            id = (await Tokens(scope).CreateAsync(Descriptor())).Id!;
        }

        await using var first = database.Scope();
        await using var second = database.Scope();
        var firstCopy = await Tokens(first).FindByIdAsync(id);
        var secondCopy = await Tokens(second).FindByIdAsync(id);

        var results = await Task.WhenAll(
            Task.Run(async () => await Tokens(first).TryRedeemAsync(firstCopy!)),
            Task.Run(async () => await Tokens(second).TryRedeemAsync(secondCopy!)));

        Assert.Single(results, won => won);
        Assert.Equal(["token_issued", "token_redeemed"], await database.StoredEventNamesAsync(id));
    }

    [Fact]
    public async Task TryRedeem_EightRacersOnEachOfFiveTokens_ExactlyOneWinsPerToken()
    {
        for (var round = 0; round < 5; round++)
        {
            string id;
            await using (var scope = database.Scope())
            {
                id = (await Tokens(scope).CreateAsync(Descriptor(TokenTypeIdentifiers.RefreshToken))).Id!;
            }

            // Every racer reads the token first, so all of them decide from the same version and race at the append.
            var scopes = Enumerable.Range(0, 8).Select(_ => database.Scope()).ToList();
            try
            {
                var copies = new List<Token>();
                foreach (var scope in scopes)
                {
                    copies.Add((await Tokens(scope).FindByIdAsync(id))!);
                }

                var results = await Task.WhenAll(scopes.Select((scope, i) => Task.Run(async () => await Tokens(scope).TryRedeemAsync(copies[i]))));

                Assert.Single(results, won => won);
                Assert.Equal(["token_issued", "token_redeemed"], await database.StoredEventNamesAsync(id));
            }
            finally
            {
                foreach (var scope in scopes)
                {
                    await scope.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task Update_RacingRedemptions_LosersGetOpenIddictConcurrencyException()
    {
        // TryRedeemAsync turns any failure into false; this checks the store fails the losers the way OpenIddict expects.
        string id;
        await using (var scope = database.Scope())
        {
            id = (await Tokens(scope).CreateAsync(Descriptor())).Id!;
        }

        var store = database.Services.GetRequiredService<IDocumentStore>();
        var copies = new List<Token>();
        for (var i = 0; i < 6; i++)
        {
            await using var session = store.QuerySession();
            var copy = (await session.LoadAsync<Token>(id))!;
            copy.Status = Statuses.Redeemed;
            copy.RedemptionDate = DateTimeOffset.UtcNow;
            copies.Add(copy);
        }

        var outcomes = await Task.WhenAll(copies.Select(copy => Task.Run(async () =>
        {
            await using var scope = database.Scope();
            var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenStore<Token>>();
            try
            {
                await tokens.UpdateAsync(copy, CancellationToken.None);
                return null;
            }
            catch (Exception exception)
            {
                return exception;
            }
        })));

        Assert.Single(outcomes, outcome => outcome is null);
        Assert.All(outcomes.OfType<Exception>(), exception => Assert.IsType<OpenIddictExceptions.ConcurrencyException>(exception));
        Assert.Equal(["token_issued", "token_redeemed"], await database.StoredEventNamesAsync(id));
    }

    [Fact]
    public async Task TryRedeem_StaleInstance_ReturnsFalseAndAppendsNothing()
    {
        string id;
        Token stale;
        await using (var scope = database.Scope())
        {
            id = (await Tokens(scope).CreateAsync(Descriptor())).Id!;
        }

        await using (var scope = database.Scope())
        {
            stale = (await Tokens(scope).FindByIdAsync(id))!;
        }

        await using (var scope = database.Scope())
        {
            Assert.True(await Tokens(scope).TryRedeemAsync((await Tokens(scope).FindByIdAsync(id))!));
        }

        await using (var scope = database.Scope())
        {
            Assert.False(await Tokens(scope).TryRedeemAsync(stale));
        }

        Assert.Equal(["token_issued", "token_redeemed"], await database.StoredEventNamesAsync(id));
    }

    [Fact]
    public async Task TryRevoke_NoAmbientReason_RecordsRevocationRequest()
    {
        await using var scope = database.Scope();
        var token = await Tokens(scope).CreateAsync(Descriptor(TokenTypeIdentifiers.RefreshToken));

        Assert.True(await Tokens(scope).TryRevokeAsync(token));

        var revoked = Assert.IsType<TokenRevoked>((await database.EventsAsync(token.Id!))[^1].Data);
        Assert.Equal(RevocationReasons.RevocationRequest, revoked.Reason);
        Assert.Equal(2, token.Version);
    }

    [Fact]
    public async Task TryRevoke_AmbientReason_RecordsIt()
    {
        await using var scope = database.Scope();
        var token = await Tokens(scope).CreateAsync(Descriptor(TokenTypeIdentifiers.RefreshToken));

        using (RevocationReason.Use(RevocationReasons.SignedOut))
        {
            Assert.True(await Tokens(scope).TryRevokeAsync(token));
        }

        var revoked = Assert.IsType<TokenRevoked>((await database.EventsAsync(token.Id!))[^1].Data);
        Assert.Equal(RevocationReasons.SignedOut, revoked.Reason);
    }

    [Fact]
    public async Task Update_NoChange_AppendsNothing()
    {
        await using var scope = database.Scope();
        var token = await Tokens(scope).CreateAsync(Descriptor());

        await Tokens(scope).UpdateAsync(token);

        Assert.Equal(["token_issued"], await database.StoredEventNamesAsync(token.Id!));
    }

    [Fact]
    public async Task RevokeByAuthorizationId_ThreeValidOneRevoked_RevokesThreeWithGrantRevokedReason()
    {
        var grantId = Guid.CreateVersion7().ToString();
        var ids = new List<string>();
        await using (var scope = database.Scope())
        {
            for (var i = 0; i < 4; i++)
            {
                ids.Add((await Tokens(scope).CreateAsync(Descriptor(authorizationId: grantId))).Id!);
            }

            Assert.True(await Tokens(scope).TryRevokeAsync((await Tokens(scope).FindByIdAsync(ids[3]))!));
        }

        long count;
        await using (var scope = database.Scope())
        {
            count = await Tokens(scope).RevokeByAuthorizationIdAsync(grantId);
        }

        Assert.Equal(3, count);
        foreach (var id in ids.Take(3))
        {
            var events = await database.EventsAsync(id);
            Assert.Equal(["token_issued", "token_revoked"], events.Select(e => e.EventTypeName));
            Assert.Equal(RevocationReasons.GrantRevoked, Assert.IsType<TokenRevoked>(events[1].Data).Reason);
        }

        Assert.Equal(["token_issued", "token_revoked"], await database.StoredEventNamesAsync(ids[3]));
        await using (var scope = database.Scope())
        {
            await foreach (var token in Tokens(scope).FindByAuthorizationIdAsync(grantId))
            {
                Assert.Equal(Statuses.Revoked, token.Status);
            }

            Assert.Equal(0, await Tokens(scope).RevokeByAuthorizationIdAsync(grantId));
        }
    }

    [Fact]
    public async Task RevokeBySubject_AmbientUserDisabled_RecordsIt()
    {
        var subject = "user-" + Guid.NewGuid().ToString("N");
        string id;
        await using (var scope = database.Scope())
        {
            id = (await Tokens(scope).CreateAsync(Descriptor(TokenTypeIdentifiers.RefreshToken, subject: subject))).Id!;
        }

        await using (var scope = database.Scope())
        using (RevocationReason.Use(RevocationReasons.UserDisabled))
        {
            Assert.Equal(1, await Tokens(scope).RevokeBySubjectAsync(subject));
        }

        Assert.Equal(RevocationReasons.UserDisabled, Assert.IsType<TokenRevoked>((await database.EventsAsync(id))[^1].Data).Reason);
    }

    [Fact]
    public async Task Prune_OldUnusableTokens_PrunedAndHistoryKept()
    {
        var old = DateTimeOffset.UtcNow.AddDays(-30);
        var subject = "prune-" + Guid.NewGuid().ToString("N");
        string expired, revoked, stillValid, recentRevoked;
        await using (var scope = database.Scope())
        {
            var tokens = Tokens(scope);
            expired = (await tokens.CreateAsync(Descriptor(createdAt: old, expiresAt: old.AddMinutes(5), subject: subject))).Id!;
            var toRevoke = await tokens.CreateAsync(Descriptor(createdAt: old, expiresAt: DateTimeOffset.UtcNow.AddDays(1), subject: subject));
            await tokens.TryRevokeAsync(toRevoke);
            revoked = toRevoke.Id!;
            stillValid = (await tokens.CreateAsync(Descriptor(createdAt: old, expiresAt: DateTimeOffset.UtcNow.AddDays(1), subject: subject))).Id!;
            var recent = await tokens.CreateAsync(Descriptor(subject: subject));
            await tokens.TryRevokeAsync(recent);
            recentRevoked = recent.Id!;
        }

        await using (var scope = database.Scope())
        {
            Assert.True(await Tokens(scope).PruneAsync(DateTimeOffset.UtcNow.AddDays(-1)) >= 2);
        }

        await using (var scope = database.Scope())
        {
            var tokens = Tokens(scope);
            Assert.Null(await tokens.FindByIdAsync(expired));
            Assert.Null(await tokens.FindByIdAsync(revoked));
            Assert.NotNull(await tokens.FindByIdAsync(stillValid));
            Assert.NotNull(await tokens.FindByIdAsync(recentRevoked));
        }

        Assert.Equal(["token_issued", "token_pruned"], await database.StoredEventNamesAsync(expired));
        Assert.Equal(["token_issued", "token_revoked", "token_pruned"], await database.StoredEventNamesAsync(revoked));
        Assert.Equal(["token_issued"], await database.StoredEventNamesAsync(stillValid));
    }

    [Fact]
    public async Task Delete_AppendsTokenPrunedAndRemovesDocumentAndPayload()
    {
        string id;
        await using (var scope = database.Scope())
        {
            var descriptor = Descriptor(TokenTypeIdentifiers.AccessToken);
            descriptor.Payload = "delete-me";
            var token = await Tokens(scope).CreateAsync(descriptor);
            id = token.Id!;
            await Tokens(scope).DeleteAsync(token);
        }

        Assert.Equal(["token_issued", "token_pruned"], await database.StoredEventNamesAsync(id));
        await using var session = database.Documents.QuerySession();
        Assert.Null(await session.LoadAsync<Token>(id));
        Assert.Null(await session.LoadAsync<TokenPayload>(id));
    }

    [Fact]
    public async Task Queries_ThroughManager_CountListAndGet()
    {
        var subject = "query-" + Guid.NewGuid().ToString("N");
        await using var scope = database.Scope();
        var tokens = Tokens(scope);
        var created = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            created.Add((await tokens.CreateAsync(Descriptor(TokenTypeIdentifiers.AccessToken, subject: subject))).Id!);
        }

        Assert.Equal(3, await tokens.CountAsync(query => query.Where(token => token.Subject == subject)));
        Assert.Equal(created.Order(StringComparer.Ordinal).First(), await tokens.GetAsync(query => query.Where(token => token.Subject == subject).OrderBy(token => token.Id).Select(token => token.Id)));

        var listed = new List<string?>();
        await foreach (var id in tokens.ListAsync(query => query.Where(token => token.Subject == subject).Select(token => token.Id)))
        {
            listed.Add(id);
        }

        Assert.Equal(created.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));

        var found = new List<Token>();
        await foreach (var token in tokens.FindAsync(subject, "app-1", Statuses.Valid, TokenTypeIdentifiers.AccessToken))
        {
            found.Add(token);
        }

        Assert.Equal(3, found.Count);
        Assert.True(await tokens.CountAsync() >= 3);

        var page = new List<Token>();
        await foreach (var token in tokens.ListAsync(count: 2, offset: 0))
        {
            page.Add(token);
        }

        Assert.Equal(2, page.Count);
    }
}
