using System.Text.Json;

namespace Platform.Contracts.Events;

/// <summary>A client application was registered. Stream: the client's OpenIddict identifier.</summary>
/// <param name="ApplicationId">The OpenIddict identifier of the client (its stream id).</param>
/// <param name="ClientId">The public <c>client_id</c>.</param>
/// <param name="DisplayName">A name people can read, shown on consent pages.</param>
/// <param name="ClientType"><c>confidential</c> or <c>public</c>.</param>
/// <param name="ApplicationType"><c>web</c> or <c>native</c>.</param>
/// <param name="ConsentType"><c>explicit</c>, <c>implicit</c>, <c>external</c> or <c>systematic</c>.</param>
/// <param name="RedirectUris">Registered redirect URIs, matched exactly.</param>
/// <param name="PostLogoutRedirectUris">Registered post-logout redirect URIs.</param>
/// <param name="Permissions">OpenIddict permissions (endpoints, grant types, response types, scopes).</param>
/// <param name="Requirements">OpenIddict requirements (for example PKCE).</param>
/// <param name="Settings">OpenIddict settings (for example token lifetimes).</param>
/// <param name="SecretHash">The hash of the client secret, never the secret; null for public clients.</param>
/// <param name="RegisteredAt">When the registration committed.</param>
public sealed record ClientRegistered(
    string ApplicationId,
    string ClientId,
    string? DisplayName,
    string? ClientType,
    string? ApplicationType,
    string? ConsentType,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> Permissions,
    IReadOnlyList<string> Requirements,
    IReadOnlyDictionary<string, string> Settings,
    string? SecretHash,
    DateTimeOffset RegisteredAt)
{
    /// <summary>Localized display names, keyed by culture name (for example <c>fr-FR</c>). Added later: empty in older events.</summary>
    public IReadOnlyDictionary<string, string> DisplayNames { get; init; } = new Dictionary<string, string>();

    /// <summary>The client's public JSON Web Key Set (for <c>private_key_jwt</c>), as JSON; null when it has none.</summary>
    public string? JsonWebKeySet { get; init; }

    /// <summary>OpenIddict's free-form application properties. Added later: empty in older events.</summary>
    public IReadOnlyDictionary<string, JsonElement> Properties { get; init; } = new Dictionary<string, JsonElement>();
}

/// <summary>A client's registration changed. Carries the whole new registration except the secret.</summary>
/// <param name="ApplicationId">The OpenIddict identifier of the client.</param>
/// <param name="ClientId">The public <c>client_id</c>.</param>
/// <param name="DisplayName">A name people can read.</param>
/// <param name="ClientType"><c>confidential</c> or <c>public</c>.</param>
/// <param name="ApplicationType"><c>web</c> or <c>native</c>.</param>
/// <param name="ConsentType">The consent type.</param>
/// <param name="RedirectUris">Registered redirect URIs.</param>
/// <param name="PostLogoutRedirectUris">Registered post-logout redirect URIs.</param>
/// <param name="Permissions">OpenIddict permissions.</param>
/// <param name="Requirements">OpenIddict requirements.</param>
/// <param name="Settings">OpenIddict settings.</param>
/// <param name="UpdatedAt">When the change committed.</param>
public sealed record ClientUpdated(
    string ApplicationId,
    string ClientId,
    string? DisplayName,
    string? ClientType,
    string? ApplicationType,
    string? ConsentType,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> PostLogoutRedirectUris,
    IReadOnlyList<string> Permissions,
    IReadOnlyList<string> Requirements,
    IReadOnlyDictionary<string, string> Settings,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Localized display names, keyed by culture name (for example <c>fr-FR</c>). Added later: empty in older events.</summary>
    public IReadOnlyDictionary<string, string> DisplayNames { get; init; } = new Dictionary<string, string>();

    /// <summary>The client's public JSON Web Key Set (for <c>private_key_jwt</c>), as JSON; null when it has none.</summary>
    public string? JsonWebKeySet { get; init; }

    /// <summary>OpenIddict's free-form application properties. Added later: empty in older events.</summary>
    public IReadOnlyDictionary<string, JsonElement> Properties { get; init; } = new Dictionary<string, JsonElement>();
}

/// <summary>A client's secret was replaced. Only the hash of the new secret is recorded.</summary>
/// <param name="ApplicationId">The OpenIddict identifier of the client.</param>
/// <param name="SecretHash">The hash of the new secret.</param>
/// <param name="RotatedAt">When the rotation committed.</param>
/// <param name="PreviousSecretValidUntil">Until when the previous secret is still accepted, if an overlap was asked for.</param>
public sealed record ClientSecretRotated(
    string ApplicationId,
    string SecretHash,
    DateTimeOffset RotatedAt,
    DateTimeOffset? PreviousSecretValidUntil);

/// <summary>A client's secret was removed (for example when it became a public client); no secret authenticates it any more.</summary>
/// <param name="ApplicationId">The OpenIddict identifier of the client.</param>
/// <param name="RemovedAt">When the removal committed.</param>
public sealed record ClientSecretRemoved(string ApplicationId, DateTimeOffset RemovedAt);

/// <summary>A client was disabled: it can no longer authenticate and its tokens are inactive.</summary>
/// <param name="ApplicationId">The OpenIddict identifier of the client.</param>
/// <param name="Reason">Why, in words an operator wrote.</param>
/// <param name="DisabledAt">When it committed.</param>
public sealed record ClientDisabled(string ApplicationId, string? Reason, DateTimeOffset DisabledAt);

/// <summary>A disabled client was enabled again. Tokens revoked while it was disabled stay revoked.</summary>
/// <param name="ApplicationId">The OpenIddict identifier of the client.</param>
/// <param name="EnabledAt">When it committed.</param>
public sealed record ClientEnabled(string ApplicationId, DateTimeOffset EnabledAt);

/// <summary>A client registration was deleted. Its history stays in the store.</summary>
/// <param name="ApplicationId">The OpenIddict identifier of the client.</param>
/// <param name="DeletedAt">When it committed.</param>
public sealed record ClientDeleted(string ApplicationId, DateTimeOffset DeletedAt);
