using System.Text.Json;
using OpenIddict.Abstractions;
using Platform.Authorization.Clients.Registering;
using Platform.Authorization.Clients.Showing;
using Platform.Identity.Admin;
using Platform.Identity.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Clients.Updating;

/// <summary>
/// <c>PATCH /admin/clients/{clientId}</c> as a pure function: the fields present in the body replace the
/// current ones (a lifetime set to null goes back to the server's), and the result must pass the same rules
/// as a new registration, so an update cannot produce a client that could not have been registered.
/// </summary>
public static class ClientUpdate
{
    public static readonly string[] Patchable =
    [
        "displayName", "redirectUris", "postLogoutRedirectUris", "grantTypes", "scopes", "consentType", "accessTokenFormat",
        "accessTokenLifetimeSeconds", "refreshTokenLifetimeSeconds", "introspection",
    ];

    private static readonly string[] Fixed = ["clientId", "clientType", "applicationType"];

    /// <summary>The registration after the patch, or the field-named errors.</summary>
    public static (RegisterClient? Registration, IReadOnlyDictionary<string, string[]>? Errors) Decide(ClientDetails current, JsonElement patch)
    {
        ArgumentNullException.ThrowIfNull(current);
        var fields = new AdminFields(patch).OnlyKnown([.. Patchable, .. Fixed]);
        foreach (var name in Fixed.Where(fields.Has))
        {
            fields.Errors[name] = [$"{name} cannot change: register a new client instead."];
        }

        var registration = current.AsRegistration();
        registration = registration with
        {
            DisplayName = fields.Has("displayName") ? fields.Text("displayName") ?? current.ClientId : registration.DisplayName,
            RedirectUris = fields.Has("redirectUris") ? fields.TextList("redirectUris") ?? [] : registration.RedirectUris,
            PostLogoutRedirectUris = fields.Has("postLogoutRedirectUris") ? fields.TextList("postLogoutRedirectUris") ?? [] : registration.PostLogoutRedirectUris,
            GrantTypes = fields.Has("grantTypes") ? fields.TextList("grantTypes") ?? [] : registration.GrantTypes,
            Scopes = fields.Has("scopes") ? fields.TextList("scopes") ?? [] : registration.Scopes,
            ConsentType = fields.Has("consentType") ? fields.Text("consentType") : registration.ConsentType,
            AccessTokenFormat = fields.Has("accessTokenFormat") ? fields.Text("accessTokenFormat") : registration.AccessTokenFormat,
            AccessTokenLifetimeSeconds = fields.Has("accessTokenLifetimeSeconds") ? fields.Number("accessTokenLifetimeSeconds") : registration.AccessTokenLifetimeSeconds,
            RefreshTokenLifetimeSeconds = fields.Has("refreshTokenLifetimeSeconds") ? fields.Number("refreshTokenLifetimeSeconds") : registration.RefreshTokenLifetimeSeconds,
            Introspection = fields.Has("introspection") ? fields.Flag("introspection") ?? false : registration.Introspection,
        };

        if (fields.Errors.Count > 0)
        {
            return (null, fields.Errors);
        }

        var decision = ClientRegistration.Decide(registration, secret: "unused: an update keeps the secret");
        return decision.Rejected is { } rejected ? (null, rejected.Errors) : (registration, null);
    }

    /// <summary>
    /// Puts what the registration rules decided onto the stored client, keeping what they do not decide: the
    /// secret, settings and properties of other features, the client id and type.
    /// </summary>
    public static void Apply(Client client, OpenIddictApplicationDescriptor decided)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(decided);

        client.DisplayName = decided.DisplayName;
        client.ConsentType = decided.ConsentType;
        client.RedirectUris = [.. decided.RedirectUris.Select(uri => uri.OriginalString).Order(StringComparer.Ordinal)];
        client.PostLogoutRedirectUris = [.. decided.PostLogoutRedirectUris.Select(uri => uri.OriginalString).Order(StringComparer.Ordinal)];
        client.Permissions = [.. decided.Permissions.Order(StringComparer.Ordinal)];
        client.Requirements = [.. decided.Requirements.Order(StringComparer.Ordinal)];
        foreach (var key in (string[])[ClientRegistration.AccessTokenFormatSetting, Settings.TokenLifetimes.AccessToken, Settings.TokenLifetimes.RefreshToken])
        {
            if (decided.Settings.TryGetValue(key, out var value))
            {
                client.Settings[key] = value;
            }
            else
            {
                client.Settings.Remove(key);
            }
        }
    }
}
