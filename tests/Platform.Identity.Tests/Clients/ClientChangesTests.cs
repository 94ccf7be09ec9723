using Platform.Contracts.Events;
using Platform.Identity.Clients;
using Xunit;

namespace Platform.Identity.Tests.Clients;

public sealed class ClientChangesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 3, 10, 0, 0, TimeSpan.Zero);

    private static Client Stored() => new()
    {
        Id = "app-1",
        ClientId = "shop",
        ClientSecret = ClientSecrets.Hash("first"),
        ClientType = "confidential",
        DisplayName = "Shop",
        RedirectUris = ["https://shop.example/callback"],
        Permissions = ["ept:token"],
        Settings = new() { ["tkn_lft:act"] = "00:10:00" },
        Version = 3,
    };

    private static Client Copy(Client client) => new()
    {
        Id = client.Id,
        ClientId = client.ClientId,
        ClientSecret = client.ClientSecret,
        ClientType = client.ClientType,
        DisplayName = client.DisplayName,
        RedirectUris = [.. client.RedirectUris],
        Permissions = [.. client.Permissions],
        Settings = new(client.Settings),
        Enabled = client.Enabled,
        Version = client.Version,
    };

    [Fact]
    public void Decide_NoChange_EmitsNothing()
    {
        var stored = Stored();

        Assert.Empty(ClientChanges.Decide(stored, Copy(stored), Now));
    }

    [Fact]
    public void Decide_SecretHashChanged_EmitsClientSecretRotated()
    {
        var stored = Stored();
        var updated = Copy(stored);
        updated.ClientSecret = ClientSecrets.Hash("second");

        var rotated = Assert.IsType<ClientSecretRotated>(Assert.Single(ClientChanges.Decide(stored, updated, Now)));

        Assert.Equal(updated.ClientSecret, rotated.SecretHash);
        Assert.Equal("app-1", rotated.ApplicationId);
    }

    [Fact]
    public void Decide_SecretRemoved_EmitsClientSecretRemoved()
    {
        var stored = Stored();
        var updated = Copy(stored);
        updated.ClientSecret = null;

        Assert.Equal(new ClientSecretRemoved("app-1", Now), Assert.Single(ClientChanges.Decide(stored, updated, Now)));
    }

    [Fact]
    public void Decide_RedirectUriAdded_EmitsWholeRegistrationWithoutSecret()
    {
        var stored = Stored();
        var updated = Copy(stored);
        updated.RedirectUris = [.. stored.RedirectUris, "https://shop.example/other"];

        var changed = Assert.IsType<ClientUpdated>(Assert.Single(ClientChanges.Decide(stored, updated, Now)));

        Assert.Equal(updated.RedirectUris, changed.RedirectUris);
        Assert.Equal("shop", changed.ClientId);
        Assert.Equal("00:10:00", changed.Settings["tkn_lft:act"]);
    }

    [Fact]
    public void Decide_EnabledDiffers_EmitsNothing()
    {
        var stored = Stored();
        var updated = Copy(stored);
        updated.Enabled = false;

        Assert.Empty(ClientChanges.Decide(stored, updated, Now));
    }
}
