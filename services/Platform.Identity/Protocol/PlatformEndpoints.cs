using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Platform.Identity.Protocol;

/// <summary>
/// The public protocol paths of Platform and the service that answers each. Every OpenIddict instance is
/// configured with the whole table, so discovery and OpenIddict's own consistency checks see one server;
/// the gateway routes each path to its owner, and each service refuses the paths it does not own.
/// </summary>
public static class PlatformEndpoints
{
    public const string Configuration = ".well-known/openid-configuration";
    public const string AuthorizationServerMetadata = ".well-known/oauth-authorization-server";
    public const string JsonWebKeySet = ".well-known/jwks";
    public const string Token = "connect/token";
    public const string Revocation = "connect/revoke";
    public const string Introspection = "connect/introspect";
    public const string Authorization = "connect/authorize";
    public const string EndSession = "connect/endsession";
    public const string UserInfo = "connect/userinfo";

    public static IReadOnlyDictionary<string, PlatformService> Owners { get; } = new Dictionary<string, PlatformService>(StringComparer.OrdinalIgnoreCase)
    {
        [Configuration] = PlatformService.Authorization,
        [AuthorizationServerMetadata] = PlatformService.Authorization,
        [JsonWebKeySet] = PlatformService.Authorization,
        [Token] = PlatformService.Token,
        [Revocation] = PlatformService.Token,
        [Introspection] = PlatformService.Projection,
        [Authorization] = PlatformService.Authorization,
        [EndSession] = PlatformService.Authorization,
        [UserInfo] = PlatformService.Profile,
    };

    /// <summary>Answers 404 for a protocol path another service owns, so a request that bypasses the gateway is not half-handled.</summary>
    public static WebApplication UseOwnedEndpointsOnly(this WebApplication app, PlatformService service)
    {
        app.Use((context, next) =>
        {
            var path = context.Request.Path.Value?.Trim('/') ?? string.Empty;
            if (Owners.TryGetValue(path, out var owner) && owner != service)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        return app;
    }
}

public enum PlatformService
{
    Gateway,
    Authorization,
    Token,
    Profile,
    Projection,
}
