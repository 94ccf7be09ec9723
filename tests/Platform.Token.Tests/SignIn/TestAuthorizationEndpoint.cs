using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Platform.Identity.Protocol;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Token.Tests.SignIn;

/// <summary>
/// Stands in for the authorization service inside the token service's test host, so the token endpoint can be
/// tested with real authorization codes. Every OpenIddict instance is configured with the whole endpoint table, so
/// the token service's OpenIddict validates an authorization request exactly as the authorization service's does
/// (client, registered redirect URI, response type, S256 challenge, scopes, permissions) and issues the code
/// itself. Only the service's own <c>UseOwnedEndpointsOnly</c> would answer 404 for <c>/connect/authorize</c>, so
/// this startup filter branches that one path off before the service's pipeline, and signs the user in after
/// consent the way the authorization service does: a grant (OpenIddict authorization) and a principal carrying
/// <c>sub</c>, name and email, the scopes, their resources and the grant id. The user is named by the test-only
/// parameter <c>test_user</c>; <c>test_code_lifetime</c> (seconds) shortens the code's life.
/// </summary>
public sealed class TestAuthorizationEndpoint : IStartupFilter
{
    public const string UserParameter = "test_user";
    public const string CodeLifetimeParameter = "test_code_lifetime";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.MapWhen(
            context => context.Request.Path.Equals("/" + PlatformEndpoints.Authorization, StringComparison.OrdinalIgnoreCase),
            branch =>
            {
                branch.UseAuthentication();
                branch.Run(SignInAsync);
            });
        next(app);
    };

    private static async Task SignInAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("OpenIddict did not validate the authorization request.");
        var services = context.RequestServices;
        var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
        var authorizations = services.GetRequiredService<IOpenIddictAuthorizationManager>();
        var scopes = services.GetRequiredService<IOpenIddictScopeManager>();

        var userId = (string?)request[UserParameter] ?? throw new InvalidOperationException($"Name the user with {UserParameter}.");
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, userId)
            .SetClaim(Claims.Name, "Ada Lovelace")
            .SetClaim(Claims.Email, "ada@example.test");
        identity.SetScopes(request.GetScopes());
        identity.SetResources(await scopes.ListResourcesAsync(identity.GetScopes()).ToListAsync());

        var application = await applications.FindByClientIdAsync(request.ClientId!)
            ?? throw new InvalidOperationException("OpenIddict validated a client that cannot be found.");
        var grant = await authorizations.CreateAsync(
            new ClaimsPrincipal(identity), userId, (await applications.GetIdAsync(application))!, AuthorizationTypes.Permanent, identity.GetScopes());
        identity.SetAuthorizationId(await authorizations.GetIdAsync(grant));
        identity.SetDestinations(claim => claim.Type is Claims.Name or Claims.Email
            ? [Destinations.AccessToken, Destinations.IdentityToken]
            : [Destinations.AccessToken]);

        var principal = new ClaimsPrincipal(identity);
        if (int.TryParse((string?)request[CodeLifetimeParameter], out var seconds))
        {
            principal.SetAuthorizationCodeLifetime(TimeSpan.FromSeconds(seconds));
        }

        await context.SignInAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, principal);
    }
}
