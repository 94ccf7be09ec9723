using Microsoft.AspNetCore.Identity;
using Platform.Profile.Users;
using Platform.Testing;
using Xunit;

namespace Platform.Profile.Tests;

/// <summary>
/// A seeded user is an event that says who they are and nothing secret, and a credential document holding
/// the password's ASP.NET Core Identity hash; seeding again with the same file changes nothing.
/// </summary>
public sealed class UserSeedingTests(ProfileServiceFixture fixture) : IClassFixture<ProfileServiceFixture>
{
    [Fact]
    public async Task SeededUser_InEventStore_IsOneUserRegisteredWithNameAndEmailOnly()
    {
        var (account, credential) = await fixture.StoredUserAsync();

        var registered = Assert.Single(await EventStoreReader.EventsOfTypeAsync(fixture.Postgres, "user_registered"));
        Assert.Equal(account.Id, registered.StreamId);
        Assert.Equal(account.Id, registered.Data.GetProperty("userId").GetString());
        Assert.Equal(fixture.UserName, registered.Data.GetProperty("userName").GetString());
        Assert.Equal(fixture.Email, registered.Data.GetProperty("email").GetString());
        Assert.Equal(["email", "registeredAt", "userId", "userName"], registered.Data.EnumerateObject().Select(p => p.Name).Order());

        var events = await EventStoreReader.AllEventDataAsync(fixture.Postgres);
        foreach (var secret in new[] { fixture.Password, credential.PasswordHash })
        {
            Assert.DoesNotContain(secret, events, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, fixture.Host.Logs.Text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("password", events, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task SeededUser_Credential_IsAnIdentityHashThatVerifiesOnlyThePassword()
    {
        var (account, credential) = await fixture.StoredUserAsync();

        // ASP.NET Core Identity's format: base64 of a version byte (0x01: PBKDF2, v3), parameters, salt and subkey.
        Assert.Equal(0x01, Convert.FromBase64String(credential.PasswordHash)[0]);
        var hasher = new PasswordHasher<UserAccount>();
        Assert.Equal(PasswordVerificationResult.Success, hasher.VerifyHashedPassword(account, credential.PasswordHash, fixture.Password));
        Assert.Equal(PasswordVerificationResult.Failed, hasher.VerifyHashedPassword(account, credential.PasswordHash, fixture.Password + "x"));
    }

    [Fact]
    public async Task SeedFile_AppliedByASecondStart_ChangesNothing()
    {
        var (account, credential) = await fixture.StoredUserAsync();
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        await using (ProfileServiceFixture.StartHost(fixture.Postgres, fixture.RabbitMq, fixture.Seed.Path))
        {
        }

        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
        var (accountAfter, credentialAfter) = await fixture.StoredUserAsync();
        Assert.Equal(account, accountAfter);
        // Hashes are salted: an identical hash means the password was not hashed and stored again.
        Assert.Equal(credential.PasswordHash, credentialAfter.PasswordHash);
    }
}
