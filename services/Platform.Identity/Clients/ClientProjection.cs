using Marten.Events.Aggregation;
using Platform.Contracts.Events;

namespace Platform.Identity.Clients;

/// <summary>Keeps the <see cref="Client"/> document of each client stream, inline with the append.</summary>
public partial class ClientProjection : SingleStreamProjection<Client, string>
{
    public Client Create(ClientRegistered e) => new()
    {
        Id = e.ApplicationId,
        ClientId = e.ClientId,
        ClientSecret = e.SecretHash,
        DisplayName = e.DisplayName,
        ClientType = e.ClientType,
        ApplicationType = e.ApplicationType,
        ConsentType = e.ConsentType,
        RedirectUris = [.. e.RedirectUris],
        PostLogoutRedirectUris = [.. e.PostLogoutRedirectUris],
        Permissions = [.. e.Permissions],
        Requirements = [.. e.Requirements],
        Settings = new(e.Settings),
        DisplayNames = new(e.DisplayNames),
        JsonWebKeySet = e.JsonWebKeySet,
        Properties = new(e.Properties),
        Enabled = true,
    };

    public void Apply(ClientUpdated e, Client client)
    {
        client.ClientId = e.ClientId;
        client.DisplayName = e.DisplayName;
        client.ClientType = e.ClientType;
        client.ApplicationType = e.ApplicationType;
        client.ConsentType = e.ConsentType;
        client.RedirectUris = [.. e.RedirectUris];
        client.PostLogoutRedirectUris = [.. e.PostLogoutRedirectUris];
        client.Permissions = [.. e.Permissions];
        client.Requirements = [.. e.Requirements];
        client.Settings = new(e.Settings);
        client.DisplayNames = new(e.DisplayNames);
        client.JsonWebKeySet = e.JsonWebKeySet;
        client.Properties = new(e.Properties);
    }

    // With an overlap the old hash stays acceptable until the time the event names; without, it goes at once.
    public void Apply(ClientSecretRotated e, Client client)
    {
        client.PreviousClientSecret = e.PreviousSecretValidUntil is null ? null : client.ClientSecret;
        client.PreviousSecretValidUntil = e.PreviousSecretValidUntil;
        client.ClientSecret = e.SecretHash;
    }

    public void Apply(ClientSecretRemoved e, Client client)
    {
        client.ClientSecret = null;
        client.PreviousClientSecret = null;
        client.PreviousSecretValidUntil = null;
    }

    public void Apply(ClientDisabled e, Client client) => client.Enabled = false;

    public void Apply(ClientEnabled e, Client client) => client.Enabled = true;

    public bool ShouldDelete(ClientDeleted e) => true;
}
