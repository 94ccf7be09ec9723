using Marten;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Token.Tokens.Issuing;

/// <summary>
/// The token endpoint after OpenIddict has validated the request and authenticated the client: decide
/// what the token says. OpenIddict then issues it, and the token store records it as <c>TokenIssued</c>.
/// </summary>
public static class TokenRequest
{
    public static async Task<IResult> HandleAsync(
        HttpContext context, IOpenIddictApplicationManager applications, IOpenIddictScopeManager scopes, IQuerySession session)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server request cannot be retrieved.");

        if (request.IsClientCredentialsGrantType())
        {
            var application = await applications.FindByClientIdAsync(request.ClientId!, context.RequestAborted)
                ?? throw new InvalidOperationException("OpenIddict authenticated a client that cannot be found.");
            var grant = new ClientCredentialsGrant(
                request.ClientId!,
                await applications.GetDisplayNameAsync(application, context.RequestAborted),
                request.GetScopes());
            var resources = await scopes.ListResourcesAsync(grant.Scopes, context.RequestAborted).ToListAsync(context.RequestAborted);
            return Results.SignIn(grant.ToPrincipal(resources), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // OpenIddict has validated the code or refresh token (client, redirect URI, PKCE, expiry, replay,
            // grant still valid); this is its principal.
            var redeemed = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal
                ?? throw new InvalidOperationException("OpenIddict validated a grant whose principal cannot be retrieved.");

            var subject = redeemed.GetClaim(Claims.Subject);
            if (subject is null || !await UserStanding.AllowsTokensAsync(session, subject, context.RequestAborted))
            {
                return InvalidGrant("The user this grant was issued to no longer exists or is disabled.");
            }

            return Results.SignIn(RedeemedGrant.Renew(redeemed), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        // OpenIddict rejects every grant type the token service does not allow before this point.
        return Results.Problem(statusCode: StatusCodes.Status400BadRequest);
    }

    private static IResult InvalidGrant(string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidGrant,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
