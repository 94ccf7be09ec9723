using Marten;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Platform.Identity.Protocol;
using Platform.Identity.Server;
using Platform.Profile.Users;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Profile.UserInfo;

/// <summary>
/// <c>/connect/userinfo</c> (OpenID Connect Core §5.3). OpenIddict validates the access token first and answers
/// 401 <c>invalid_token</c> with a <c>Bearer</c> challenge itself for a missing, expired or revoked one; this
/// handler then requires <c>openid</c> (else 403 <c>insufficient_scope</c>) and releases the user's claims
/// that the token's scopes cover (<see cref="StandardScopes"/>).
/// </summary>
public static class UserInfoEndpoint
{
    public static WebApplicationBuilder AddUserInfo(this WebApplicationBuilder builder)
    {
        builder.AddPlatformOpenIddict();
        return builder;
    }

    public static WebApplication MapUserInfo(this WebApplication app)
    {
        app.MapMethods("/" + PlatformEndpoints.UserInfo, [HttpMethods.Get, HttpMethods.Post], HandleAsync);
        return app;
    }

    private static async Task<IResult> HandleAsync(HttpContext context, IQuerySession session, CancellationToken cancellationToken)
    {
        var principal = (await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        if (principal is null)
        {
            return Challenge(Errors.InvalidToken, "The access token is not valid.");
        }

        if (!principal.HasScope(Scopes.OpenId))
        {
            return Challenge(Errors.InsufficientScope, "The access token was not granted the 'openid' scope.", Scopes.OpenId);
        }

        var userId = principal.GetClaim(Claims.Subject);
        var user = userId is null ? null : await session.LoadAsync<UserAccount>(userId, cancellationToken);
        if (user is not { Enabled: true })
        {
            return Challenge(Errors.InvalidToken, "The user of the access token no longer exists or is disabled.");
        }

        // Personal data: no cache may keep it (OpenIddict sets this on the answers it writes itself).
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        return Results.Ok(Release(user, principal.GetScopes()));
    }

    /// <summary>The user's claims that <paramref name="scopes"/> cover; <c>sub</c> always.</summary>
    public static Dictionary<string, object> Release(UserAccount user, IEnumerable<string> scopes)
    {
        var values = new Dictionary<string, object?>
        {
            [Claims.Subject] = user.Id,
            [Claims.Name] = user.Name,
            [Claims.PreferredUsername] = user.UserName,
            [Claims.Email] = user.Email,
            // Platform does not verify addresses yet, so it never claims one is verified.
            [Claims.EmailVerified] = user.Email is null ? null : false,
        };

        var released = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id };
        foreach (var scope in scopes)
        {
            foreach (var claim in StandardScopes.ClaimsByScope.GetValueOrDefault(scope, []))
            {
                if (values.GetValueOrDefault(claim) is { } value)
                {
                    released[claim] = value;
                }
            }
        }

        return released;
    }

    private static IResult Challenge(string error, string description, string? scope = null)
    {
        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        });
        if (scope is not null)
        {
            properties.Items[OpenIddictServerAspNetCoreConstants.Properties.Scope] = scope;
        }

        return Results.Challenge(properties, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }
}
