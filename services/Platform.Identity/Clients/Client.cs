using System.Text.Json;

using Platform.Identity.Storage;

namespace Platform.Identity.Clients;

/// <summary>
/// The OpenIddict application (a client), as projected inline from the client's stream. OpenIddict's managers
/// mutate an instance through the store's setters and then call <c>UpdateAsync</c>, which turns the difference
/// with the stored document into events; so these properties stay mutable.
/// </summary>
public sealed class Client : IVersionedDocument
{
    public string? Id { get; set; }
    public string? ClientId { get; set; }

    /// <summary>The hash of the client secret (<see cref="ClientSecrets.Hash"/>), never the secret.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The hash of the secret before the last rotation, accepted until <see cref="PreviousSecretValidUntil"/>
    /// (an overlap the operator asked for); null when the rotation asked for none.</summary>
    public string? PreviousClientSecret { get; set; }

    /// <summary>When <see cref="PreviousClientSecret"/> stops working: the rotation event's own time plus the overlap.</summary>
    public DateTimeOffset? PreviousSecretValidUntil { get; set; }

    public string? ClientType { get; set; }
    public string? ApplicationType { get; set; }
    public string? ConsentType { get; set; }
    public string? DisplayName { get; set; }

    /// <summary>Localized display names keyed by culture name.</summary>
    public Dictionary<string, string> DisplayNames { get; set; } = [];

    /// <summary>The client's public JSON Web Key Set, as JSON.</summary>
    public string? JsonWebKeySet { get; set; }

    public string[] Permissions { get; set; } = [];
    public string[] PostLogoutRedirectUris { get; set; } = [];
    public string[] RedirectUris { get; set; } = [];
    public string[] Requirements { get; set; } = [];
    public Dictionary<string, string> Settings { get; set; } = [];
    public Dictionary<string, JsonElement> Properties { get; set; } = [];

    /// <summary>False once the admin side disabled the client: it cannot authenticate (<c>ClientDisabled</c>).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The version of the client's stream this state reflects: OpenIddict's concurrency token.</summary>
    public long Version { get; set; }

    /// <summary>A detached copy (what a cache hands out, so no caller mutates another's instance).</summary>
    public Client Copy() => new()
    {
        Id = Id, ClientId = ClientId, ClientSecret = ClientSecret, PreviousClientSecret = PreviousClientSecret,
        PreviousSecretValidUntil = PreviousSecretValidUntil, ClientType = ClientType, ApplicationType = ApplicationType,
        ConsentType = ConsentType, DisplayName = DisplayName, DisplayNames = new(DisplayNames, StringComparer.Ordinal),
        JsonWebKeySet = JsonWebKeySet, Permissions = [.. Permissions], PostLogoutRedirectUris = [.. PostLogoutRedirectUris],
        RedirectUris = [.. RedirectUris], Requirements = [.. Requirements], Settings = new(Settings, StringComparer.Ordinal),
        Properties = Properties.ToDictionary(pair => pair.Key, pair => pair.Value.Clone(), StringComparer.Ordinal),
        Enabled = Enabled, Version = Version,
    };
}
