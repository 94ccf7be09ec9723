using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Discovery;

/// <summary>
/// The parts of OpenIddict's configuration that decide what discovery advertises and the authorization
/// endpoint accepts, trimmed to what Platform implements. Only this service serves discovery and
/// <c>/connect/authorize</c>, so the trimming lives here.
/// </summary>
public static class Advertised
{
    public static OpenIddictServerBuilder AdvertiseOnlyWhatWorks(this OpenIddictServerBuilder server)
    {
        // The implicit flow, for the legacy clients registered for it by name (off for every other client:
        // the response-type permissions decide). Code + PKCE is what a new client should use.
        server.AllowImplicitFlow();

        // There is one account per session: no account chooser, so select_account would be a promise not kept.
        server.Configure(options => options.PromptValues.Remove(PromptValues.SelectAccount));
        return server;
    }
}
