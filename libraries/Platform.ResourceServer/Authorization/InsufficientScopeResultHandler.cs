using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace Platform.ResourceServer.Authorization;

/// <summary>
/// Passes the scopes a forbidden request lacked to the forbid answer, which names them in
/// <c>WWW-Authenticate: Bearer error="insufficient_scope", scope="..."</c>. Everything else is ASP.NET Core's own handling.
/// </summary>
internal sealed class InsufficientScopeResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler standard = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        var lacking = authorizeResult.Forbidden
            ? authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ScopeRequirement>().SelectMany(r => r.Scopes).Distinct(StringComparer.Ordinal).ToArray()
            : null;
        if (lacking is not { Length: > 0 })
        {
            await standard.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        var properties = new AuthenticationProperties();
        properties.Items[ResourceServerDefaults.RequiredScopeItem] = string.Join(' ', lacking);
        if (policy.AuthenticationSchemes.Count > 0)
        {
            foreach (var scheme in policy.AuthenticationSchemes)
            {
                await context.ForbidAsync(scheme, properties);
            }
        }
        else
        {
            await context.ForbidAsync(properties);
        }
    }
}
