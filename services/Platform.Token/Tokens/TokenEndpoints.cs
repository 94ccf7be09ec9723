using Platform.Identity.Protocol;
using Platform.Identity.Server;
using Platform.Token.Tokens.Issuing;
using Platform.Token.Tokens.Metrics;
using static OpenIddict.Server.OpenIddictServerHandlers.Protection;

namespace Platform.Token.Tokens;

/// <summary>
/// The token service answers <c>/connect/token</c> (issuing, <see cref="Issuing"/>) and <c>/connect/revoke</c>
/// (RFC 7009, handled by OpenIddict itself; the store records the revocation as <c>TokenRevoked</c>; a refresh token
/// takes the tokens of its sign-in with it, <see cref="Revoking.RevokedRefreshLineage"/>).
/// </summary>
public static class TokenEndpoints
{
    public static WebApplicationBuilder AddTokenEndpoints(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<TokenMetrics>();
        builder.AddPlatformOpenIddict(server =>
        {
            server.RemoveEventHandler(ValidateTokenEntry.Descriptor);
            server.AddEventHandler(ReplayedGrant.Descriptor);
            server.AddEventHandler(RefreshScope.Descriptor);
            server.AddEventHandler(AccessTokenFormat.Descriptor);
            server.AddEventHandler(CountTokenAnswers.Descriptor);
            server.AddEventHandler(NoteRevokedKind.Descriptor);
            server.AddEventHandler(Revoking.RevokedRefreshLineage.Descriptor);
            server.AddEventHandler(CountRevocationAnswers.Descriptor);
        });
        return builder;
    }

    public static WebApplication MapTokenEndpoints(this WebApplication app)
    {
        app.UseOwnedEndpointsOnly(PlatformService.Token);
        app.UseAuthentication();
        app.MapPost("/" + PlatformEndpoints.Token, TokenRequest.HandleAsync);
        return app;
    }
}
