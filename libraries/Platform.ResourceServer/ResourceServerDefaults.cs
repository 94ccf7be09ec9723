namespace Platform.ResourceServer;

/// <summary>Names the library uses by default.</summary>
public static class ResourceServerDefaults
{
    /// <summary>The authentication scheme of bearer tokens checked by introspection: <c>Bearer</c>.</summary>
    public const string AuthenticationScheme = "Bearer";

    /// <summary>The configuration section <c>AddPlatformResourceServer(configuration)</c> reads: <c>ResourceServer</c>.</summary>
    public const string ConfigurationSection = "ResourceServer";

    /// <summary>The name of the <see cref="System.Net.Http.HttpClient"/> used for discovery and introspection (configure it with <c>AddHttpClient(name)</c>).</summary>
    public const string HttpClientName = "Platform.ResourceServer";

    /// <summary>Where the RFC 9728 protected resource metadata is served.</summary>
    public const string MetadataPath = "/.well-known/oauth-protected-resource";

    /// <summary>
    /// The <see cref="Microsoft.AspNetCore.Authentication.AuthenticationProperties"/> item naming the scope(s) a
    /// forbidden request needed; the 403 answer repeats it as <c>scope="..."</c>.
    /// </summary>
    public const string RequiredScopeItem = "platform.required_scope";
}
