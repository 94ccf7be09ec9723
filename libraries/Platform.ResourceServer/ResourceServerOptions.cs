using Microsoft.AspNetCore.Authentication;

namespace Platform.ResourceServer;

/// <summary>
/// Settings of the bearer token check. Bind them from configuration (section <c>ResourceServer</c> by default):
/// only <see cref="Authority"/>, <see cref="ClientId"/> and <see cref="ClientSecret"/> are required.
/// </summary>
public sealed class ResourceServerOptions : AuthenticationSchemeOptions
{
    /// <summary>
    /// The issuer URL of the authorization server (for Platform, the gateway: <c>http://localhost:5000/</c>). Its
    /// discovery document (<c>/.well-known/openid-configuration</c>, else <c>/.well-known/oauth-authorization-server</c>)
    /// gives the introspection endpoint. Required.
    /// </summary>
    public Uri? Authority { get; set; }

    /// <summary>The API's own client id at the authorization server; the client needs the introspection permission. Required.</summary>
    public string? ClientId { get; set; }

    /// <summary>The API's client secret. Required. Never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>How the API authenticates to the introspection endpoint; <see cref="ClientAuthenticationMethod.ClientSecretBasic"/> by default.</summary>
    public ClientAuthenticationMethod ClientAuthentication { get; set; } = ClientAuthenticationMethod.ClientSecretBasic;

    /// <summary>
    /// The longest an introspection answer is reused for the same token (never beyond the token's <c>exp</c>). A revoked
    /// token may be accepted this long after its revocation unless revocation messages evict it at once. <c>0</c>
    /// asks the authorization server on every request. Default: 30 seconds.
    /// </summary>
    public TimeSpan CacheMaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many tokens the cache holds at most; beyond that, new answers are not cached. Default: 10,000.</summary>
    public int CacheSize { get; set; } = 10_000;

    /// <summary>
    /// Where to introspect instead of the discovered <c>introspection_endpoint</c> (for example the authorization
    /// server's address inside a cluster). Usually left empty.
    /// </summary>
    public Uri? IntrospectionEndpoint { get; set; }

    /// <summary>When set, an active token must name this value in its <c>aud</c>; otherwise any audience is accepted.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// The API's resource identifier in its RFC 9728 metadata (<c>resource</c>), e.g. <c>https://erp.example.com/</c>.
    /// Empty: the URL the request came in on (scheme, host and path base).
    /// </summary>
    public Uri? Resource { get; set; }

    /// <summary>A human-readable name of the API in its metadata (<c>resource_name</c>). Optional.</summary>
    public string? ResourceName { get; set; }

    /// <summary>The <c>realm</c> of the <c>WWW-Authenticate</c> challenge. Optional.</summary>
    public string? Realm { get; set; }

    /// <summary>The scopes the API understands, listed in its metadata (<c>scopes_supported</c>).</summary>
    public IList<string> ScopesSupported { get; } = [];

    /// <summary>How long the authorization server may take to answer before the request gets <c>503</c>. Default: 5 seconds.</summary>
    public TimeSpan IntrospectionTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Retry-After</c> of a <c>503</c> when the authorization server cannot be asked. Default: 5 seconds.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the discovery document is used before it is fetched again. Default: 1 hour.</summary>
    public TimeSpan DiscoveryRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Whether the authority must use <c>https</c>; plain <c>http</c> is always allowed on loopback. Default: true.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// The configuration path the settings were bound from, used to name them when one is missing
    /// (set by <c>AddPlatformResourceServer(configuration)</c>).
    /// </summary>
    public string SettingsPath { get; set; } = ResourceServerDefaults.ConfigurationSection;
}
