using Platform.Contracts.Events;

using Platform.Identity.Storage;

namespace Platform.Identity.Clients;

/// <summary>What happened to a client, as events: pure functions of the stored state and the state OpenIddict asks for.</summary>
public static class ClientChanges
{
    public static ClientRegistered Register(Client client, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(client.Id);

        return new ClientRegistered(
            client.Id,
            client.ClientId ?? "",
            client.DisplayName,
            client.ClientType,
            client.ApplicationType,
            client.ConsentType,
            client.RedirectUris,
            client.PostLogoutRedirectUris,
            client.Permissions,
            client.Requirements,
            client.Settings,
            client.ClientSecret,
            now)
        {
            DisplayNames = client.DisplayNames,
            JsonWebKeySet = client.JsonWebKeySet,
            Properties = client.Properties,
        };
    }

    /// <summary>
    /// The events that take <paramref name="stored"/> to <paramref name="updated"/>; none when nothing changed.
    /// A new secret is a rotation of its own, so the audit shows it and the projection service learns the new hash;
    /// the rest of the registration travels whole in <see cref="ClientUpdated"/>. Enabling and disabling are the
    /// admin side's events, not OpenIddict's, so <see cref="Client.Enabled"/> is not compared.
    /// </summary>
    public static IReadOnlyList<object> Decide(Client stored, Client updated, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(updated);
        ArgumentException.ThrowIfNullOrEmpty(stored.Id);

        var events = new List<object>(capacity: 2);
        if (!SameRegistration(stored, updated))
        {
            events.Add(new ClientUpdated(
                stored.Id,
                updated.ClientId ?? "",
                updated.DisplayName,
                updated.ClientType,
                updated.ApplicationType,
                updated.ConsentType,
                updated.RedirectUris,
                updated.PostLogoutRedirectUris,
                updated.Permissions,
                updated.Requirements,
                updated.Settings,
                now)
            {
                DisplayNames = updated.DisplayNames,
                JsonWebKeySet = updated.JsonWebKeySet,
                Properties = updated.Properties,
            });
        }

        if (!string.Equals(stored.ClientSecret, updated.ClientSecret, StringComparison.Ordinal))
        {
            events.Add(updated.ClientSecret is null
                ? new ClientSecretRemoved(stored.Id, now)
                : new ClientSecretRotated(stored.Id, updated.ClientSecret, now, PreviousSecretValidUntil: null));
        }

        return events;
    }

    public static ClientDeleted Delete(Client stored, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentException.ThrowIfNullOrEmpty(stored.Id);

        return new ClientDeleted(stored.Id, now);
    }

    private static bool SameRegistration(Client stored, Client updated) =>
        string.Equals(stored.ClientId, updated.ClientId, StringComparison.Ordinal)
        && string.Equals(stored.DisplayName, updated.DisplayName, StringComparison.Ordinal)
        && string.Equals(stored.ClientType, updated.ClientType, StringComparison.Ordinal)
        && string.Equals(stored.ApplicationType, updated.ApplicationType, StringComparison.Ordinal)
        && string.Equals(stored.ConsentType, updated.ConsentType, StringComparison.Ordinal)
        && string.Equals(stored.JsonWebKeySet, updated.JsonWebKeySet, StringComparison.Ordinal)
        && Same.Values(stored.RedirectUris, updated.RedirectUris)
        && Same.Values(stored.PostLogoutRedirectUris, updated.PostLogoutRedirectUris)
        && Same.Values(stored.Permissions, updated.Permissions)
        && Same.Values(stored.Requirements, updated.Requirements)
        && Same.Values(stored.Settings, updated.Settings)
        && Same.Values(stored.DisplayNames, updated.DisplayNames)
        && Same.Properties(stored.Properties, updated.Properties);
}
