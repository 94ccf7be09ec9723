using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Authorization.Clients.Registering;
using Platform.Authorization.Clients.Showing;
using Platform.Identity.Clients;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.DynamicRegistration;

/// <summary>An RFC 7591 §3.2.2 error: <c>invalid_redirect_uri</c> or <c>invalid_client_metadata</c>, with a description naming the field.</summary>
public sealed record RegistrationError(string Error, string Description);

/// <summary>What a client asked to be registered as, in Platform's terms, with the metadata that has no other home.</summary>
public sealed record RequestedClient(RegisterClient Registration, string TokenEndpointAuthMethod);

/// <summary>
/// RFC 7591 client metadata, as pure functions: the metadata a client sends is checked and turned into a
/// <see cref="RegisterClient"/>, which then passes the very rules an operator's registration passes; a
/// registered client is shown back as metadata. What a self-registered client may be is narrower than what an
/// operator may register: consent is always asked, no introspection, no <c>platform.*</c> scope, and in open
/// mode no <c>client_credentials</c> (a client nobody vouched for must not get tokens without a user).
/// </summary>
public static class ClientMetadata
{
    public const string InvalidRedirectUri = "invalid_redirect_uri";
    public const string InvalidClientMetadata = "invalid_client_metadata";

    /// <summary>The application property keeping the token endpoint authentication method the client registered.</summary>
    public const string AuthMethodProperty = "platform:token_endpoint_auth_method";

    public static readonly string[] AuthMethods =
        [ClientAuthenticationMethods.None, ClientAuthenticationMethods.ClientSecretBasic, ClientAuthenticationMethods.ClientSecretPost];

    private static readonly string[] GrantTypesAllowed = [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials];

    public static (RequestedClient? Client, RegistrationError? Error) Decide(
        JsonElement metadata, RegistrationMode mode, IReadOnlySet<string> knownScopes, string? clientId = null)
    {
        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return Invalid("The body is a JSON object of client metadata (RFC 7591 §2).");
        }

        if (!TryStrings(metadata, "redirect_uris", out var redirectUris)
            || !TryStrings(metadata, "post_logout_redirect_uris", out var postLogoutRedirectUris))
        {
            return (null, new RegistrationError(InvalidRedirectUri, "redirect_uris and post_logout_redirect_uris are arrays of strings."));
        }

        if (!TryStrings(metadata, "grant_types", out var grantTypes) || !TryStrings(metadata, "response_types", out var responseTypes))
        {
            return Invalid("grant_types and response_types are arrays of strings.");
        }

        if (!TryString(metadata, "token_endpoint_auth_method", out var authMethod) || !TryString(metadata, "client_name", out var clientName)
            || !TryString(metadata, "scope", out var scope) || !TryString(metadata, "application_type", out var applicationType))
        {
            return Invalid("token_endpoint_auth_method, client_name, scope and application_type are strings.");
        }

        authMethod ??= ClientAuthenticationMethods.ClientSecretBasic;
        if (!AuthMethods.Contains(authMethod))
        {
            return Invalid($"token_endpoint_auth_method '{authMethod}' is not supported: use {string.Join(", ", AuthMethods)}.");
        }

        // RFC 7591 §2: grant_types defaults to authorization_code, response_types to code.
        grantTypes ??= [GrantTypes.AuthorizationCode];
        responseTypes ??= grantTypes.Contains(GrantTypes.AuthorizationCode) ? [ResponseTypes.Code] : [];
        if (grantTypes.FirstOrDefault(type => !GrantTypesAllowed.Contains(type)) is { } unsupported)
        {
            return Invalid($"grant_types: '{unsupported}' cannot be registered here; use {string.Join(", ", GrantTypesAllowed)} (code + PKCE instead of implicit).");
        }

        if (responseTypes.FirstOrDefault(type => type != ResponseTypes.Code) is { } unsupportedResponse)
        {
            return Invalid($"response_types: '{unsupportedResponse}' is not supported; only 'code'.");
        }

        if (grantTypes.Contains(GrantTypes.AuthorizationCode) != responseTypes.Contains(ResponseTypes.Code))
        {
            return Invalid("grant_types and response_types disagree: authorization_code goes with the response type 'code', and 'code' with authorization_code (RFC 7591 §2.1).");
        }

        if (mode == RegistrationMode.Open && grantTypes.Contains(GrantTypes.ClientCredentials))
        {
            return Invalid("grant_types: client_credentials needs registration with an initial access token; open registration is for clients that sign users in.");
        }

        var scopes = scope?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (scopes.FirstOrDefault(value => value.StartsWith("platform.", StringComparison.Ordinal)) is { } reserved)
        {
            return Invalid($"scope: '{reserved}' is reserved for clients an operator registers.");
        }

        if (scopes.FirstOrDefault(value => !knownScopes.Contains(value)) is { } unknown)
        {
            return Invalid($"scope: '{unknown}' is not a scope of this server.");
        }

        var registration = new RegisterClient(
            clientId,
            clientName,
            grantTypes,
            scopes,
            redirectUris ?? [],
            Introspection: false,
            ClientType: authMethod == ClientAuthenticationMethods.None ? ClientTypes.Public : ClientTypes.Confidential,
            ApplicationType: applicationType,
            PostLogoutRedirectUris: postLogoutRedirectUris,
            ConsentType: ConsentTypes.Explicit);
        var decision = ClientRegistration.Decide(registration, secret: "checked only");
        if (decision.Rejected is { } rejected)
        {
            var (field, why) = rejected.Errors.First();
            return field is "redirectUris" or "postLogoutRedirectUris"
                ? (null, new RegistrationError(InvalidRedirectUri, $"{MetadataName(field)}: {why[0]}"))
                : Invalid($"{MetadataName(field)}: {why[0]}");
        }

        return (new RequestedClient(registration, authMethod), null);
    }

    /// <summary>The client's registered metadata (RFC 7591 §3.2.1), without any secret.</summary>
    public static JsonObject Describe(Client client, Uri registrationClientUri)
    {
        ArgumentNullException.ThrowIfNull(client);
        var details = ClientDetails.From(client, DateTimeOffset.MinValue);
        var authMethod = client.Properties.TryGetValue(AuthMethodProperty, out var method) && method.ValueKind == JsonValueKind.String
            ? method.GetString()!
            : details.ClientType == ClientTypes.Public ? ClientAuthenticationMethods.None : ClientAuthenticationMethods.ClientSecretBasic;
        var metadata = new JsonObject
        {
            ["client_id"] = details.ClientId,
            ["client_name"] = details.DisplayName,
            ["redirect_uris"] = Array(details.RedirectUris),
            ["post_logout_redirect_uris"] = Array(details.PostLogoutRedirectUris),
            ["grant_types"] = Array(details.GrantTypes),
            ["response_types"] = Array(details.GrantTypes.Contains(GrantTypes.AuthorizationCode) ? [ResponseTypes.Code] : []),
            ["token_endpoint_auth_method"] = authMethod,
            ["application_type"] = details.ApplicationType,
            ["registration_client_uri"] = registrationClientUri.AbsoluteUri,
        };
        if (details.Scopes.Count > 0)
        {
            metadata["scope"] = string.Join(' ', details.Scopes);
        }

        return metadata;
    }

    private static (RequestedClient?, RegistrationError?) Invalid(string description) => (null, new RegistrationError(InvalidClientMetadata, description));

    private static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(value => (JsonNode?)JsonValue.Create(value))]);

    private static string MetadataName(string field) => field switch
    {
        "redirectUris" => "redirect_uris",
        "postLogoutRedirectUris" => "post_logout_redirect_uris",
        "grantTypes" => "grant_types",
        "scopes" => "scope",
        "clientType" => "token_endpoint_auth_method",
        "applicationType" => "application_type",
        "clientId" => "client_id",
        _ => field,
    };

    private static bool TryStrings(JsonElement metadata, string name, out IReadOnlyList<string>? values)
    {
        values = null;
        if (!metadata.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
        {
            return false;
        }

        values = [.. value.EnumerateArray().Select(item => item.GetString()!)];
        return true;
    }

    private static bool TryString(JsonElement metadata, string name, out string? text)
    {
        text = null;
        if (!metadata.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        text = value.GetString();
        return true;
    }
}
