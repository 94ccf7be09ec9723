using Microsoft.AspNetCore.Authorization;

namespace Platform.ResourceServer;

/// <summary>
/// Requires the request's token to carry every one of <see cref="Scopes"/>. When it does not, the answer is
/// <c>403</c> with <c>error="insufficient_scope", scope="..."</c> naming them (RFC 6750 §3.1).
/// </summary>
public sealed class ScopeRequirement : AuthorizationHandler<ScopeRequirement>, IAuthorizationRequirement
{
    /// <summary>Creates the requirement.</summary>
    /// <param name="scopes">The scopes the token must carry, at least one.</param>
    public ScopeRequirement(IEnumerable<string> scopes)
    {
        ArgumentNullException.ThrowIfNull(scopes);
        Scopes = scopes.ToArray();
        if (Scopes.Count == 0 || Scopes.Any(scope => string.IsNullOrWhiteSpace(scope) || scope.Contains(' ', StringComparison.Ordinal)))
        {
            throw new ArgumentException("Name at least one scope, each without spaces.", nameof(scopes));
        }
    }

    /// <summary>The scopes the token must carry.</summary>
    public IReadOnlyList<string> Scopes { get; }

    /// <inheritdoc />
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(requirement);
        if (requirement.Scopes.All(context.User.HasScope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"Scope: {string.Join(' ', Scopes)}";
}
