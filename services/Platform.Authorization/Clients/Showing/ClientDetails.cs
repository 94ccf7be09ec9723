using System.Globalization;
using Platform.Authorization.Clients.Registering;
using Platform.Identity.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Clients.Showing;

/// <summary>A client as the admin API shows it (<c>GET /admin/clients/{clientId}</c>): its registration in the
/// words of <see cref="RegisterClient"/>, never its secret or its hash.</summary>
public sealed record ClientDetails(
    string ClientId,
    string? DisplayName,
    string? ClientType,
    string? ApplicationType,
    string? ConsentType,
    IReadOnlyList<string> GrantTypes,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> PostLogoutRedirectUris,
    string AccessTokenFormat,
    bool Introspection,
    bool Enabled,
    int? AccessTokenLifetimeSeconds,
    int? RefreshTokenLifetimeSeconds)
{
    /// <summary>When the previous secret stops working, while a rotation's overlap lasts; null otherwise.</summary>
    public DateTimeOffset? PreviousSecretValidUntil { get; init; }

    /// <summary>True when the client was registered through dynamic client registration (RFC 7591).</summary>
    public bool DynamicallyRegistered { get; init; }

    public static ClientDetails From(Client client, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new ClientDetails(
            client.ClientId ?? "",
            client.DisplayName,
            client.ClientType,
            client.ApplicationType,
            client.ConsentType,
            Suffixes(client.Permissions, Permissions.Prefixes.GrantType),
            Suffixes(client.Permissions, Permissions.Prefixes.Scope),
            [.. client.RedirectUris],
            [.. client.PostLogoutRedirectUris],
            client.Settings.GetValueOrDefault(ClientRegistration.AccessTokenFormatSetting) ?? ClientRegistration.OpaqueAccessTokens,
            client.Permissions.Contains(Permissions.Endpoints.Introspection),
            client.Enabled,
            Seconds(client.Settings.GetValueOrDefault(Settings.TokenLifetimes.AccessToken)),
            Seconds(client.Settings.GetValueOrDefault(Settings.TokenLifetimes.RefreshToken)))
        {
            PreviousSecretValidUntil = client.PreviousSecretValidUntil > now ? client.PreviousSecretValidUntil : null,
            DynamicallyRegistered = client.Properties.ContainsKey(DynamicRegistrationProperty),
        };
    }

    /// <summary>The application property that marks a dynamically registered client (it holds the registration access token's hash).</summary>
    public const string DynamicRegistrationProperty = "platform:registration_access_token";

    /// <summary>The registration as a request, so an update is validated by the same rules as a registration.</summary>
    public RegisterClient AsRegistration() => new(
        ClientId, DisplayName, GrantTypes, Scopes, RedirectUris, Introspection, ClientType, ApplicationType,
        PostLogoutRedirectUris, ConsentType, AccessTokenFormat, AccessTokenLifetimeSeconds, RefreshTokenLifetimeSeconds);

    private static string[] Suffixes(IEnumerable<string> permissions, string prefix) =>
        [.. permissions.Where(p => p.StartsWith(prefix, StringComparison.Ordinal)).Select(p => p[prefix.Length..])];

    private static int? Seconds(string? lifetime) =>
        lifetime is not null && TimeSpan.TryParse(lifetime, CultureInfo.InvariantCulture, out var span) ? (int)span.TotalSeconds : null;
}
