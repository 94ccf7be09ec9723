using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using Platform.Identity.Keys;
using Platform.Identity.Protocol;
using Platform.ServiceDefaults;
using static OpenIddict.Server.OpenIddictServerHandlers.Protection;

namespace Platform.Identity.Server;

/// <summary>
/// The OpenIddict configuration every token-writing service shares: one issuer, one key set, the
/// Marten-backed stores, the whole endpoint table (see <see cref="PlatformEndpoints"/>), RFC 9700 defaults.
/// </summary>
public static class PlatformServer
{
    public static OpenIddictBuilder AddPlatformOpenIddict(this WebApplicationBuilder builder, Action<OpenIddictServerBuilder>? configure = null)
    {
        var issuer = Issuer.Read(builder);
        var dataSource = NpgsqlDataSource.Create(builder.PostgresConnectionString());
        var keyPolicy = builder.Configuration.GetSection(KeyRotationPolicy.Section).Get<KeyRotationPolicy>() ?? new KeyRotationPolicy();
        builder.Services.AddSingleton(sp => new KeyRing(dataSource, keyPolicy, sp.GetService<TimeProvider>()));
        builder.Services.AddSingleton<IDatabaseObjects>(sp => sp.GetRequiredService<KeyRing>());
        builder.Services.AddSingleton<SharedKeysOptions>();
        builder.Services.AddSingleton<IConfigureOptions<OpenIddictServerOptions>>(sp => sp.GetRequiredService<SharedKeysOptions>());
        builder.Services.AddSingleton<IOptionsChangeTokenSource<OpenIddictServerOptions>>(sp => sp.GetRequiredService<SharedKeysOptions>());
        builder.Services.AddSingleton<IOptionsChangeTokenSource<OpenIddict.Validation.OpenIddictValidationOptions>>(sp => sp.GetRequiredService<SharedKeysOptions>());
        builder.Services.AddHostedService<KeyRotation>();
        builder.Services.Configure<PlatformTokenOptions>(builder.Configuration.GetSection(PlatformTokenOptions.Section));

        var tokens = builder.Configuration.GetSection(PlatformTokenOptions.Section).Get<PlatformTokenOptions>() ?? new PlatformTokenOptions();
        return builder.Services.AddOpenIddict()
            .AddCore(core => core.UsePlatformStores())
            .AddServer(server =>
            {
                server.SetIssuer(issuer);
                server.SetConfigurationEndpointUris(PlatformEndpoints.Configuration, PlatformEndpoints.AuthorizationServerMetadata)
                    .SetJsonWebKeySetEndpointUris(PlatformEndpoints.JsonWebKeySet)
                    .SetTokenEndpointUris(PlatformEndpoints.Token)
                    .SetRevocationEndpointUris(PlatformEndpoints.Revocation)
                    .SetIntrospectionEndpointUris(PlatformEndpoints.Introspection)
                    .SetAuthorizationEndpointUris(PlatformEndpoints.Authorization)
                    .SetEndSessionEndpointUris(PlatformEndpoints.EndSession)
                    .SetUserInfoEndpointUris(PlatformEndpoints.UserInfo);
                server.AllowClientCredentialsFlow()
                    .AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow();
                server.RegisterScopes(StandardScopes.All.ToArray());
                server.RegisterClaims(StandardScopes.Claims.ToArray());

                // Clients authenticate with their secret (basic or post): that is what every endpoint, the
                // projection's introspection included, verifies, so it is all discovery may advertise.
                server.Configure(options =>
                {
                    options.ClientAuthenticationMethods.Remove(OpenIddictConstants.ClientAuthenticationMethods.PrivateKeyJwt);
                    options.ClientAssertionTypes.Clear();
                });

                // Opaque tokens: a resource server must ask (introspection), so revocation takes effect.
                server.UseReferenceAccessTokens();
                server.UseReferenceRefreshTokens();
                server.RequireProofKeyForCodeExchange();
                server.Configure(options => options.CodeChallengeMethods.Remove(OpenIddictConstants.CodeChallengeMethods.Plain));
                server.SetRefreshTokenReuseLeeway(tokens.RefreshTokenReuseLeeway);

                server.SetAccessTokenLifetime(tokens.AccessTokenLifetime);

                // One event and one round trip per issued token instead of OpenIddict's create, read and update.
                server.RemoveEventHandler(CreateTokenEntry.Descriptor);
                server.RemoveEventHandler(AttachTokenPayload.Descriptor);
                server.AddEventHandler(TokenEntry.AssignIdentifier.Descriptor);
                server.AddEventHandler(TokenEntry.Persist.Descriptor);
                server.AddEventHandler(UseActiveKeys.Descriptor);

                // A malformed or oversized form is the client's error (400), never a 500.
                server.AddEventHandler(RequestForm.RejectUnreadable.Descriptor);

                // The audit API names who did what: the client of a token or revocation request.
                server.AddEventHandler(ClientActor.TokenRequest);
                server.AddEventHandler(ClientActor.RevocationRequest);

                // An unknown client and a wrong secret get the same invalid_client answer: no enumeration of client ids.
                server.AddEventHandler(UniformClientErrors.Descriptor);

                // Each service maps the endpoints it owns after OpenIddict has validated the request.
                var aspNetCore = server.UseAspNetCore()
                    .EnableTokenEndpointPassthrough()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough()
                    .EnableStatusCodePagesIntegration();
                if (issuer.Scheme == Uri.UriSchemeHttp)
                {
                    // Only reachable for a loopback issuer (Issuer.Read refuses plain http elsewhere).
                    aspNetCore.DisableTransportSecurityRequirement();
                }

                configure?.Invoke(server);
            });
    }
}

/// <summary>Token settings (section <c>Platform:Tokens</c>).</summary>
public sealed record PlatformTokenOptions
{
    public const string Section = "Platform:Tokens";

    /// <summary>How long an access token lives.</summary>
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a redeemed refresh token may be presented again (a client retrying a request whose answer it
    /// lost) before it counts as replayed and its whole grant is revoked. OpenIddict's default is 30 s.
    /// </summary>
    public TimeSpan RefreshTokenReuseLeeway { get; init; } = TimeSpan.FromSeconds(2);
}
