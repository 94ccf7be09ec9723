using System.Text.Json;
using Platform.Contracts.Events;
using Platform.Projection.ReadModel;
using Platform.Projection.Rebuilding;
using Xunit;

namespace Platform.Projection.Tests;

/// <summary>From a stored name and its JSON to the view the consumers would write, without a database.</summary>
public sealed class RebuildDispatchTests
{
    [Fact]
    public void StoredNames_AreExactlyTheEventsTheConsumersKeep()
    {
        Assert.Equal(
            [
                "client_deleted", "client_disabled", "client_enabled", "client_registered", "client_secret_rotated", "client_updated",
                "grant_approved", "grant_pruned", "grant_revoked", "grant_updated",
                "token_expiration_changed", "token_issued", "token_pruned", "token_redeemed", "token_reference_attached", "token_revoked", "token_status_changed",
                "user_disabled", "user_enabled", "user_registered",
            ],
            RebuildDispatch.StoredNames);
        Assert.Null(RebuildDispatch.Deserialize("token_updated", "{}"));
        Assert.Null(RebuildDispatch.Deserialize("user_signed_in", """{"userId":"u","sessionId":"s","signedInAt":"2026-01-01T00:00:00Z"}"""));
        Assert.Null(RebuildDispatch.Deserialize("no_such_event", "{}"));
        Assert.Null(RebuildDispatch.ViewOf("scope_defined"));
        Assert.Equal(typeof(GrantView), RebuildDispatch.ViewOf("grant_revoked"));
    }

    [Fact]
    public void Deserialize_ByStoredName_GivesTheContractAndTheConsumersEvolution()
    {
        var revoked = RebuildDispatch.Deserialize("token_revoked",
            """{"tokenId":"t1","reason":"admin","revokedAt":"2026-01-31T12:00:00+00:00"}""");
        var token = Assert.IsType<TokenView>(RebuildDispatch.Apply(null, revoked!, streamVersion: 3, sequence: 42));
        Assert.Equal(new TokenRevoked("t1", "admin", DateTimeOffset.Parse("2026-01-31T12:00:00Z")), revoked);
        Assert.Equal((TokenState.Revoked, "admin", 42L), (token.State, token.RevocationReason, token.LastSequence));

        var disabled = RebuildDispatch.Deserialize("user_disabled", """{"userId":"u1","reason":"left","disabledAt":"2026-01-31T12:00:00Z"}""")!;
        var enabled = RebuildDispatch.Deserialize("user_enabled", """{"userId":"u1","enabledAt":"2026-01-31T12:00:00Z"}""")!;
        var user = (UserView)RebuildDispatch.Apply(RebuildDispatch.Apply(null, enabled, 3, 10), disabled, 2, 9);
        Assert.True(user.Enabled); // the stream version decides, as for the consumers
        Assert.Equal(10, user.LastSequence);

        var grant = (GrantView)RebuildDispatch.Apply(null, RebuildDispatch.Deserialize("grant_pruned", """{"grantId":"g","prunedAt":"2026-01-31T12:00:00Z"}""")!, 2, 5);
        Assert.Equal(GrantState.Pruned, grant.State);
        var client = (ClientView)RebuildDispatch.Apply(null, RebuildDispatch.Deserialize("client_deleted", """{"applicationId":"a","deletedAt":"2026-01-31T12:00:00Z"}""")!, 4, 6);
        Assert.True(client.Deleted);
    }

    [Fact]
    public void Deserialize_BadData_Throws_NeverSkips()
    {
        Assert.ThrowsAny<JsonException>(() => RebuildDispatch.Deserialize("token_revoked", "not json"));
        Assert.Throws<ArgumentException>(() => RebuildDispatch.Apply(null, new UserSignedIn("u", "s", DateTimeOffset.UtcNow), 1, 1));
    }
}
