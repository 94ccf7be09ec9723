using OpenIddict.Abstractions;
using Platform.Contracts.Events;
using Platform.Identity.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Profile.Account;

/// <summary>An application that holds a grant from the user: what it may do (scopes) and since when.</summary>
public sealed record ConnectedApp(string ApplicationId, string? ClientId, string Name, IReadOnlyList<string> Scopes, DateTimeOffset? Since, int Grants);

/// <summary>
/// The user's connected applications, read from the grants (OpenIddict authorizations) in the event store
/// through OpenIddict's managers, and their removal: each of the user's valid grants for that application is
/// revoked (<c>GrantRevoked</c>) and so is every token issued under it (<c>TokenRevoked</c>, reason
/// <c>grant_revoked</c>), exactly as <c>DELETE /admin/grants/{id}</c> does; the projection makes them inactive.
/// </summary>
public sealed class ConnectedApps(IOpenIddictAuthorizationManager grants, IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens)
{
    public async Task<IReadOnlyList<ConnectedApp>> ListAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        var byApplication = new Dictionary<string, List<object>>(StringComparer.Ordinal);
        await foreach (var grant in grants.FindBySubjectAsync(subject, cancellationToken))
        {
            if (await grants.HasStatusAsync(grant, Statuses.Valid, cancellationToken)
                && await grants.GetApplicationIdAsync(grant, cancellationToken) is { } applicationId)
            {
                (byApplication.TryGetValue(applicationId, out var list) ? list : byApplication[applicationId] = []).Add(grant);
            }
        }

        var apps = new List<ConnectedApp>(byApplication.Count);
        foreach (var (applicationId, held) in byApplication)
        {
            var application = await applications.FindByIdAsync(applicationId, cancellationToken);
            var clientId = application is null ? null : await applications.GetClientIdAsync(application, cancellationToken);
            var name = application is null ? null : await applications.GetLocalizedDisplayNameAsync(application, cancellationToken);
            var scopes = new SortedSet<string>(StringComparer.Ordinal);
            DateTimeOffset? since = null;
            foreach (var grant in held)
            {
                scopes.UnionWith(await grants.GetScopesAsync(grant, cancellationToken));
                var created = await grants.GetCreationDateAsync(grant, cancellationToken);
                since = since is null || created < since ? created : since;
            }

            apps.Add(new ConnectedApp(applicationId, clientId, string.IsNullOrWhiteSpace(name) ? clientId ?? "An application that no longer exists" : name,
                [.. scopes.OrderBy(ScopeOrder)], since, held.Count));
        }

        return [.. apps.OrderBy(app => app.Name, StringComparer.CurrentCultureIgnoreCase)];
    }

    /// <summary>Revokes the user's valid grants for the application and their tokens; returns how many grants it revoked.</summary>
    public async Task<int> RemoveAsync(string subject, string applicationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentException.ThrowIfNullOrEmpty(applicationId);
        var revoked = new List<string>();
        await foreach (var grant in grants.FindAsync(subject, applicationId, status: null, type: null, scopes: null, cancellationToken))
        {
            if (!await grants.HasStatusAsync(grant, Statuses.Valid, cancellationToken) || await grants.GetIdAsync(grant, cancellationToken) is not { } id)
            {
                continue;
            }

            // The user asked for it; the event's actor header says which user (EventActor, from the session).
            using (RevocationReason.Use(RevocationReasons.RevocationRequest))
            {
                // False when it was revoked meanwhile (or moved under us): either way it ends revoked, and its tokens below.
                await grants.TryRevokeAsync(grant, cancellationToken);
            }

            revoked.Add(id);
        }

        foreach (var id in revoked)
        {
            using (RevocationReason.Use(RevocationReasons.GrantRevoked))
            {
                await tokens.RevokeByAuthorizationIdAsync(id, cancellationToken);
            }
        }

        return revoked.Count;
    }

    /// <summary>The OpenID Connect scopes first, in the order a person reads them, then the rest by name.</summary>
    private static (int, string) ScopeOrder(string scope) => (Array.IndexOf(StandardOrder, scope) is var i and >= 0 ? i : StandardOrder.Length, scope);

    private static readonly string[] StandardOrder = [Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.OfflineAccess];
}
