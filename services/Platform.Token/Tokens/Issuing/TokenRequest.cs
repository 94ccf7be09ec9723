using Microsoft.AspNetCore;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;

namespace Platform.Token.Tokens.Issuing;

/// <summary>
/// The token endpoint after OpenIddict has validated the request and authenticated the client: decide
/// what the token says. OpenIddict then issues it, and the token store records it as <c>TokenIssued</c>.
/// </summary>
public static class TokenRequest
{
    public static async Task<IResult> HandleAsync(
        HttpContext context, IOpenIddictApplicationManager applications, IOpenIddictScopeManager scopes)
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

        // OpenIddict rejects every grant type the token service does not allow before this point.
        return Results.Problem(statusCode: StatusCodes.Status400BadRequest);
    }
}
