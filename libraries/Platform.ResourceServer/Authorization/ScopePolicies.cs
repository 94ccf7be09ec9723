using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;

namespace Platform.ResourceServer;

/// <summary>Scope-based authorization: <c>policy.RequireScope("documents.write")</c> or <c>endpoint.RequireScope("documents.write")</c>.</summary>
public static class ScopePolicies
{
    /// <summary>
    /// Requires an authenticated request whose token carries every one of <paramref name="scopes"/>. A request
    /// without a good token gets <c>401</c>; one whose token lacks a scope gets <c>403 insufficient_scope</c>.
    /// </summary>
    /// <param name="policy">The policy being built.</param>
    /// <param name="scopes">The scopes the token must carry.</param>
    /// <returns>The same builder.</returns>
    public static AuthorizationPolicyBuilder RequireScope(this AuthorizationPolicyBuilder policy, params string[] scopes)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scopes));
    }

    /// <summary>Requires every one of <paramref name="scopes"/> for these endpoints (see <see cref="RequireScope(AuthorizationPolicyBuilder, string[])"/>).</summary>
    /// <typeparam name="TBuilder">An endpoint or group builder.</typeparam>
    /// <param name="builder">The endpoints.</param>
    /// <param name="scopes">The scopes the token must carry.</param>
    /// <returns>The same builder.</returns>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, params string[] scopes) where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.RequireAuthorization(policy => policy.RequireScope(scopes));
    }
}
