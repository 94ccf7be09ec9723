using Marten;
using Microsoft.Extensions.DependencyInjection;
using Platform.Identity.Tokens;
using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests;

/// <summary>
/// What the token service writes to the event store when a client gets a token and revokes it: one event
/// per change, saying what an auditor needs (who, which scopes, for which APIs, until when), and never
/// the token itself.
/// </summary>
public sealed class TokenEventsTests(TokenServiceFixture fixture) : IClassFixture<TokenServiceFixture>
{
    [Fact]
    public async Task ClientCredentialsToken_Issued_LeavesExactlyOneTokenIssuedDescribingIt()
    {
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var token = await fixture.RequestTokenAsync();

        var stored = Assert.Single(await EventStoreReader.EventsAfterAsync(fixture.Postgres, before));
        Assert.Equal("token_issued", stored.Type);
        Assert.Equal(1, stored.Version);
        var data = stored.Data;
        Assert.Equal(stored.StreamId, data.GetProperty("tokenId").GetString());
        Assert.Equal("access_token", data.GetProperty("kind").GetString());
        Assert.Equal("valid", data.GetProperty("status").GetString());
        Assert.Equal(fixture.Client.Id, data.GetProperty("clientId").GetString());
        Assert.Equal(fixture.Client.Id, data.GetProperty("subject").GetString());
        Assert.Equal([TokenServiceFixture.Scope], Strings(data.GetProperty("scopes")));
        Assert.Equal(TokenServiceFixture.ScopeResources.Order(), Strings(data.GetProperty("audiences")).Order());
        Assert.Equal(token.ReferenceIdHash, data.GetProperty("referenceIdHash").GetString());

        var issuedAt = data.GetProperty("issuedAt").GetDateTimeOffset();
        var expiresAt = data.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.Equal(TokenServiceFixture.AccessTokenLifetime, expiresAt - issuedAt);
        Assert.InRange(issuedAt, token.RequestedAt.AddSeconds(-1), token.AnsweredAt.AddSeconds(1));
        Assert.InRange(token.ExpiresIn, TokenServiceFixture.AccessTokenLifetime.TotalSeconds - 2, TokenServiceFixture.AccessTokenLifetime.TotalSeconds);
    }

    [Fact]
    public async Task IssuedToken_EventsAndLogs_HoldNeitherTheTokenNorItsPayload()
    {
        var token = await fixture.RequestTokenAsync();
        var tokenId = await fixture.StreamIdOfAsync(token);

        string payload;
        await using (var session = fixture.Host.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            payload = (await session.LoadAsync<TokenPayload>(tokenId))?.Payload ?? "";
        }

        // The payload is what the reference id stands for; it must exist (or there is nothing to keep out).
        Assert.True(payload.Length > 100, "The reference token's payload was not stored.");
        var events = await EventStoreReader.AllEventDataAsync(fixture.Postgres);
        Assert.Contains(tokenId, events, StringComparison.Ordinal);
        foreach (var credential in new[] { token.AccessToken, payload, fixture.Client.Secret })
        {
            Assert.DoesNotContain(credential, events, StringComparison.Ordinal);
            Assert.DoesNotContain(credential, fixture.Host.Logs.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Revocation_ByTheClient_LeavesTokenRevokedWithRevocationRequestReason()
    {
        var token = await fixture.RequestTokenAsync();
        var tokenId = await fixture.StreamIdOfAsync(token);

        Assert.Equal(200, await fixture.RevokeAsync(token.AccessToken));

        var stream = await EventStoreReader.EventsAsync(fixture.Postgres, tokenId);
        Assert.Equal(["token_issued", "token_revoked"], stream.Select(e => e.Type));
        var revoked = stream[1].Data;
        Assert.Equal(tokenId, revoked.GetProperty("tokenId").GetString());
        Assert.Equal("revocation_request", revoked.GetProperty("reason").GetString());
        Assert.InRange(revoked.GetProperty("revokedAt").GetDateTimeOffset(), token.AnsweredAt.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Revocation_Twice_LeavesOneTokenRevoked()
    {
        var token = await fixture.RequestTokenAsync();
        var tokenId = await fixture.StreamIdOfAsync(token);

        Assert.Equal(200, await fixture.RevokeAsync(token.AccessToken));
        Assert.Equal(200, await fixture.RevokeAsync(token.AccessToken));

        Assert.Equal(["token_issued", "token_revoked"], (await EventStoreReader.EventsAsync(fixture.Postgres, tokenId)).Select(e => e.Type));
    }

    private static string[] Strings(System.Text.Json.JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
