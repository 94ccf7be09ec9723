using System.Globalization;
using System.Text.RegularExpressions;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Clients.Registering;

/// <summary>
/// A request to register a client. Platform generates the secret of a confidential client unless the
/// operator's seed file gives one; a public client has none.
/// </summary>
/// <param name="ClientType"><c>confidential</c> (default: it keeps a secret) or <c>public</c> (a browser or mobile app: it cannot).</param>
/// <param name="ApplicationType"><c>web</c> (default) or <c>native</c> (loopback redirects on any port, private-use schemes).</param>
/// <param name="ConsentType"><c>explicit</c> (default: the user is asked) or <c>implicit</c> (a trusted first-party client: never asked).</param>
/// <param name="AccessTokenFormat"><c>opaque</c> (default: reference tokens, introspected) or <c>jwt</c> (RFC 9068 access tokens, verified offline).</param>
/// <param name="AccessTokenLifetimeSeconds">This client's access token lifetime; null for the server's (<c>Platform:Tokens:AccessTokenLifetime</c>).</param>
/// <param name="RefreshTokenLifetimeSeconds">This client's refresh token lifetime; null for the server's.</param>
public sealed record RegisterClient(
    string? ClientId,
    string? DisplayName,
    IReadOnlyList<string>? GrantTypes,
    IReadOnlyList<string>? Scopes,
    IReadOnlyList<string>? RedirectUris,
    bool Introspection = false,
    string? ClientType = null,
    string? ApplicationType = null,
    IReadOnlyList<string>? PostLogoutRedirectUris = null,
    string? ConsentType = null,
    string? AccessTokenFormat = null,
    int? AccessTokenLifetimeSeconds = null,
    int? RefreshTokenLifetimeSeconds = null);

/// <summary>What is wrong with a registration, field by field.</summary>
public sealed record RegistrationRejected(IReadOnlyDictionary<string, string[]> Errors);

/// <summary>Either the application to create or why not.</summary>
public sealed record RegistrationDecision(OpenIddictApplicationDescriptor? Descriptor, RegistrationRejected? Rejected);

/// <summary>The rules for a new client, as a pure function: request in, descriptor or rejection out.</summary>
public static partial class ClientRegistration
{
    /// <summary>Grant types a client can be registered for. Implicit only when asked for by name: code + PKCE is preferred.</summary>
    public static IReadOnlySet<string> SupportedGrantTypes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        GrantTypes.AuthorizationCode, GrantTypes.RefreshToken, GrantTypes.ClientCredentials, GrantTypes.Implicit,
    };

    /// <summary>The application setting the token service reads to choose a client's access token format.</summary>
    public const string AccessTokenFormatSetting = "platform:access_token_format";

    public const string OpaqueAccessTokens = "opaque";

    public const string JwtAccessTokens = "jwt";

    /// <summary>The longest lifetime a client may ask for, in seconds (a year): beyond it is a typo, not a policy.</summary>
    public const int MaxLifetimeSeconds = 366 * 24 * 3600;

    /// <param name="secret">The secret of a confidential client (generated, or the operator's).</param>
    /// <param name="secretFromOperator">True when the operator supplied <paramref name="secret"/> (a seed file): a public client must not have one.</param>
    public static RegistrationDecision Decide(RegisterClient request, string secret, bool secretFromOperator = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var clientId = request.ClientId ?? $"client-{Guid.NewGuid():N}";
        if (!ClientIdPattern().IsMatch(clientId))
        {
            errors["clientId"] = ["A client id is 3 to 100 letters, digits, '.', '_' or '-'."];
        }

        var clientType = request.ClientType ?? ClientTypes.Confidential;
        if (clientType is not (ClientTypes.Confidential or ClientTypes.Public))
        {
            errors["clientType"] = ["A client type is 'confidential' (a server that keeps a secret) or 'public' (a browser or mobile app)."];
        }

        var isPublic = clientType == ClientTypes.Public;
        if (isPublic && secretFromOperator)
        {
            errors["clientSecret"] = ["A public client has no secret: remove it, or make the client confidential."];
        }

        var applicationType = request.ApplicationType ?? ApplicationTypes.Web;
        if (applicationType is not (ApplicationTypes.Web or ApplicationTypes.Native))
        {
            errors["applicationType"] = ["An application type is 'web' or 'native'."];
        }

        var consentType = request.ConsentType ?? ConsentTypes.Explicit;
        if (consentType is not (ConsentTypes.Explicit or ConsentTypes.Implicit))
        {
            errors["consentType"] = ["A consent type is 'explicit' (the user is asked) or 'implicit' (a trusted first-party client, never asked)."];
        }

        var accessTokenFormat = request.AccessTokenFormat ?? OpaqueAccessTokens;
        if (accessTokenFormat is not (OpaqueAccessTokens or JwtAccessTokens))
        {
            errors["accessTokenFormat"] = ["An access token format is 'opaque' (reference tokens, introspected) or 'jwt' (RFC 9068 JWTs, verified offline)."];
        }

        if (request.AccessTokenLifetimeSeconds is < 1 or > MaxLifetimeSeconds)
        {
            errors["accessTokenLifetimeSeconds"] = [$"An access token lifetime is 1 to {MaxLifetimeSeconds} seconds, or null for the server's."];
        }

        if (request.RefreshTokenLifetimeSeconds is < 1 or > MaxLifetimeSeconds)
        {
            errors["refreshTokenLifetimeSeconds"] = [$"A refresh token lifetime is 1 to {MaxLifetimeSeconds} seconds, or null for the server's."];
        }

        var redirectUris = request.RedirectUris ?? [];
        var grantTypes = request.GrantTypes ?? (redirectUris.Count > 0 ? [GrantTypes.AuthorizationCode] : [GrantTypes.ClientCredentials]);
        var unsupported = grantTypes.Where(type => !SupportedGrantTypes.Contains(type)).ToArray();
        var usesBrowser = grantTypes.Contains(GrantTypes.AuthorizationCode) || grantTypes.Contains(GrantTypes.Implicit);
        if (unsupported.Length > 0)
        {
            errors["grantTypes"] = [$"Unsupported grant type(s): {string.Join(", ", unsupported)}. Supported: {string.Join(", ", SupportedGrantTypes)}."];
        }
        else if (grantTypes.Contains(GrantTypes.RefreshToken) && !grantTypes.Contains(GrantTypes.AuthorizationCode))
        {
            errors["grantTypes"] = ["refresh_token comes with authorization_code: a refresh token is issued to a user's sign-in."];
        }
        else if (isPublic && grantTypes.Contains(GrantTypes.ClientCredentials))
        {
            errors["grantTypes"] = ["client_credentials needs a secret; a public client has none. Register a confidential client for it."];
        }

        var scopes = request.Scopes ?? [];
        if (scopes.Any(scope => string.IsNullOrWhiteSpace(scope) || scope.Any(char.IsWhiteSpace)))
        {
            errors["scopes"] = ["A scope is a non-empty value without spaces."];
        }
        else if (scopes.Contains(Scopes.OfflineAccess) && !grantTypes.Contains(GrantTypes.RefreshToken))
        {
            errors["scopes"] = ["offline_access means refresh tokens: add the refresh_token grant type, or remove the scope."];
        }

        if (usesBrowser && redirectUris.Count == 0)
        {
            errors["redirectUris"] = ["authorization_code and implicit send the user back to the client: give at least one redirect URI."];
        }
        else if (!usesBrowser && redirectUris.Count > 0)
        {
            errors["redirectUris"] = ["Redirect URIs belong to the authorization_code and implicit grant types, which this registration does not ask for."];
        }
        else if (FirstInvalidUri(redirectUris, applicationType) is { } redirectError)
        {
            errors["redirectUris"] = [redirectError];
        }

        var postLogoutRedirectUris = request.PostLogoutRedirectUris ?? [];
        if (postLogoutRedirectUris.Count > 0 && !usesBrowser)
        {
            errors["postLogoutRedirectUris"] = ["Post-logout redirect URIs belong to clients that sign users in (authorization_code or implicit)."];
        }
        else if (FirstInvalidUri(postLogoutRedirectUris, applicationType) is { } postLogoutError)
        {
            errors["postLogoutRedirectUris"] = [postLogoutError];
        }

        if (isPublic && request.Introspection)
        {
            errors["introspection"] = ["Introspection needs a secret to authenticate with; a public client has none."];
        }

        if (errors.Count > 0)
        {
            return new RegistrationDecision(null, new RegistrationRejected(errors));
        }

        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = isPublic ? null : secret,
            ClientType = clientType,
            ApplicationType = applicationType,
            ConsentType = consentType,
            DisplayName = request.DisplayName ?? clientId,
        };
        descriptor.RedirectUris.UnionWith(redirectUris.Select(uri => new Uri(uri, UriKind.Absolute)));
        descriptor.PostLogoutRedirectUris.UnionWith(postLogoutRedirectUris.Select(uri => new Uri(uri, UriKind.Absolute)));

        if (accessTokenFormat == JwtAccessTokens)
        {
            // The token service reads this setting (Platform.Token's AccessTokenFormat) when it issues an access token.
            descriptor.Settings[AccessTokenFormatSetting] = JwtAccessTokens;
        }

        if (request.AccessTokenLifetimeSeconds is { } accessLifetime)
        {
            descriptor.Settings[Settings.TokenLifetimes.AccessToken] = TimeSpan.FromSeconds(accessLifetime).ToString("c", CultureInfo.InvariantCulture);
        }

        if (request.RefreshTokenLifetimeSeconds is { } refreshLifetime)
        {
            descriptor.Settings[Settings.TokenLifetimes.RefreshToken] = TimeSpan.FromSeconds(refreshLifetime).ToString("c", CultureInfo.InvariantCulture);
        }

        if (grantTypes.Count > 0)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Token);
            descriptor.Permissions.Add(Permissions.Endpoints.Revocation);
        }

        if (usesBrowser)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Authorization);
            descriptor.Permissions.Add(Permissions.Endpoints.EndSession);
        }

        if (grantTypes.Contains(GrantTypes.AuthorizationCode))
        {
            descriptor.Permissions.Add(Permissions.ResponseTypes.Code);
        }

        if (grantTypes.Contains(GrantTypes.Implicit))
        {
            descriptor.Permissions.Add(Permissions.ResponseTypes.IdToken);
            descriptor.Permissions.Add(Permissions.ResponseTypes.IdTokenToken);
            descriptor.Permissions.Add(Permissions.ResponseTypes.Token);
        }

        foreach (var grantType in grantTypes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.GrantType + grantType);
        }

        foreach (var scope in scopes)
        {
            descriptor.Permissions.Add(Permissions.Prefixes.Scope + scope);
        }

        if (request.Introspection)
        {
            descriptor.Permissions.Add(Permissions.Endpoints.Introspection);
        }

        if (isPublic)
        {
            // The server requires PKCE of every code client already; recorded per client too, so the
            // registration says it even if the server setting ever changes.
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }

        return new RegistrationDecision(descriptor, null);
    }

    /// <summary>
    /// Why the first unacceptable URI is refused, or null. A redirect URI is absolute, has no fragment and no
    /// user info, and is <c>https</c>; plain <c>http</c> only on loopback (RFC 8252 §7.3, RFC 9700); a
    /// private-use scheme (<c>com.example.app:/callback</c>, RFC 8252 §7.1) only for a native client.
    /// </summary>
    public static string? FirstInvalidUri(IEnumerable<string> uris, string applicationType)
    {
        foreach (var value in uris)
        {
            if (string.IsNullOrWhiteSpace(value) || !Uri.TryCreate(value, UriKind.Absolute, out var uri))
            {
                return $"'{value}' is not an absolute URI.";
            }

            if (value.Contains('#', StringComparison.Ordinal))
            {
                return $"'{value}' has a fragment (#...), which a redirect URI must not have.";
            }

            if (uri.UserInfo.Length > 0)
            {
                return $"'{value}' has user info (user@) in its authority.";
            }

            if (uri.Scheme == Uri.UriSchemeHttps)
            {
                continue;
            }

            if (uri.Scheme == Uri.UriSchemeHttp)
            {
                if (uri.Host is "127.0.0.1" or "[::1]" or "localhost")
                {
                    continue;
                }

                return $"'{value}' is plain http on a host that is not loopback: use https (http only for 127.0.0.1, [::1] or localhost).";
            }

            if (applicationType != ApplicationTypes.Native)
            {
                return $"'{value}' uses the scheme '{uri.Scheme}': a web client's URIs are https (http on loopback only); private-use schemes are for native clients.";
            }

            if (!PrivateUseScheme().IsMatch(uri.Scheme))
            {
                return $"'{value}' uses the scheme '{uri.Scheme}': a private-use scheme is a reversed domain name you own, such as com.example.app.";
            }
        }

        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{3,100}$")]
    private static partial Regex ClientIdPattern();

    // RFC 8252 §7.1: a reverse domain name, so at least one dot; javascript:, data: and the like have none.
    [GeneratedRegex(@"^[a-z][a-z0-9+\-]*(\.[a-z0-9+\-]+)+$")]
    private static partial Regex PrivateUseScheme();
}
