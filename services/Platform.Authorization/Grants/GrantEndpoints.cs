using Marten;
using OpenIddict.Abstractions;
using Platform.Authorization.Clients;
using Platform.Contracts.Events;
using Platform.Identity.Admin;
using Platform.Identity.Clients;
using Platform.Identity.Grants;
using Platform.Identity.Tokens;

namespace Platform.Authorization.Grants;

/// <summary>A grant (OpenIddict authorization) as the admin API shows it.</summary>
public sealed record GrantDetails(string Id, string? Subject, string? ClientId, IReadOnlyList<string> Scopes, string? Status, DateTimeOffset? CreatedAt)
{
    /// <summary><c>permanent</c> (remembered consent) or <c>ad-hoc</c>.</summary>
    public string? Type { get; init; }
}

/// <summary><c>/admin/grants</c>: a user's or a client's grants, and revoking one with all of its tokens.</summary>
public static class GrantEndpoints
{
    public const int MaxListed = 1000;

    public static WebApplication MapGrantAdministration(this WebApplication app)
    {
        var grants = app.MapAdminGroup("/admin/grants").WithTags("Grants");
        grants.MapGet("", ListAsync).WithSummary("List the grants of a user (?subject=) or of a client (?clientId=), newest first.")
            .Produces<GrantDetails[]>().ProducesValidationProblem().ProducesProblem(404);
        grants.MapDelete("/{grantId}", RevokeAsync).WithSummary("Revoke a grant and every token issued under it.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(404);
        return app;
    }

    private static async Task<IResult> ListAsync(string? subject, string? clientId, IQuerySession session, ClientAdministration clients, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(subject) == string.IsNullOrEmpty(clientId))
        {
            return AdminApi.Invalid(string.IsNullOrEmpty(subject) ? "subject" : "clientId", "Give exactly one of ?subject= (a user id) or ?clientId=.");
        }

        IQueryable<Grant> query = session.Query<Grant>();
        if (!string.IsNullOrEmpty(clientId))
        {
            if (await clients.FindAsync(clientId, cancellationToken) is not { } client)
            {
                return AdminApi.NotFound("client", clientId);
            }

            query = query.Where(grant => grant.ApplicationId == client.Id);
        }
        else
        {
            query = query.Where(grant => grant.Subject == subject);
        }

        var found = await query.OrderByDescending(grant => grant.CreationDate).Take(MaxListed).ToListAsync(cancellationToken);
        var applicationIds = found.Select(grant => grant.ApplicationId).OfType<string>().Distinct().ToArray();
        var clientIds = (await session.LoadManyAsync<Client>(cancellationToken, applicationIds)).ToDictionary(client => client.Id!, client => client.ClientId);
        return Results.Ok(found.Select(grant => new GrantDetails(
            grant.Id!, grant.Subject, grant.ApplicationId is null ? null : clientIds.GetValueOrDefault(grant.ApplicationId), grant.Scopes, grant.Status, grant.CreationDate)
        {
            Type = grant.Type,
        }));
    }

    private static async Task<IResult> RevokeAsync(string grantId, IOpenIddictAuthorizationManager grants, IOpenIddictTokenManager tokens, CancellationToken cancellationToken)
    {
        if (await grants.FindByIdAsync(grantId, cancellationToken) is not { } grant)
        {
            return AdminApi.NotFound("grant", grantId);
        }

        using (RevocationReason.Use(RevocationReasons.Admin))
        {
            // False when it was revoked already (or moved under us): either way it ends revoked, and its tokens below.
            await grants.TryRevokeAsync(grant, cancellationToken);
        }

        using (RevocationReason.Use(RevocationReasons.GrantRevoked))
        {
            await tokens.RevokeByAuthorizationIdAsync(grantId, cancellationToken);
        }

        return Results.NoContent();
    }
}
