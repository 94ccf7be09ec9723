using Platform.Contracts.Events;
using Platform.Identity.Clients;
using Xunit;

namespace Platform.Identity.Tests.Clients;

/// <summary>
/// A secret rotated with an overlap: the client document keeps the previous hash until the time the rotation
/// event names, and the previous secret verifies only before that time. A rotation without overlap, or the
/// secret's removal, forgets the previous one at once.
/// </summary>
public sealed class SecretOverlapTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static (Client Client, string Old, string New) Rotated(DateTimeOffset? until)
    {
        var (old, fresh) = (ClientSecrets.Generate(), ClientSecrets.Generate());
        var projection = new ClientProjection();
        var client = new Client { Id = "app", ClientId = "shop", ClientSecret = ClientSecrets.Hash(old) };
        projection.Apply(new ClientSecretRotated("app", ClientSecrets.Hash(fresh), Now, until), client);
        return (client, old, fresh);
    }

    [Fact]
    public void VerifyPrevious_BeforeTheOverlapEnds_AcceptsTheOldSecretOnly()
    {
        var (client, old, fresh) = Rotated(Now.AddHours(1));

        Assert.True(ClientSecrets.VerifyPrevious(old, client, Now.AddMinutes(59)));
        Assert.False(ClientSecrets.VerifyPrevious(ClientSecrets.Generate(), client, Now.AddMinutes(59)));
        Assert.True(ClientSecrets.Verify(fresh, client.ClientSecret));
    }

    [Fact]
    public void VerifyPrevious_AtOrAfterTheOverlapEnd_Rejects()
    {
        var (client, old, _) = Rotated(Now.AddHours(1));

        Assert.False(ClientSecrets.VerifyPrevious(old, client, Now.AddHours(1)));
        Assert.False(ClientSecrets.VerifyPrevious(old, client, Now.AddDays(1)));
    }

    [Fact]
    public void RotationWithoutOverlap_ForgetsThePreviousSecret()
    {
        var (overlapping, _, _) = Rotated(Now.AddHours(1));
        new ClientProjection().Apply(new ClientSecretRotated("app", ClientSecrets.Hash(ClientSecrets.Generate()), Now, null), overlapping);

        Assert.Null(overlapping.PreviousClientSecret);
        Assert.Null(overlapping.PreviousSecretValidUntil);
    }

    [Fact]
    public void SecretRemoved_ForgetsThePreviousSecretToo()
    {
        var (client, old, _) = Rotated(Now.AddHours(1));
        new ClientProjection().Apply(new ClientSecretRemoved("app", Now), client);

        Assert.False(ClientSecrets.VerifyPrevious(old, client, Now));
    }
}
