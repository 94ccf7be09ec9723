using Marten.Events.Aggregation;
using Platform.Contracts.Events;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Identity.Grants;

/// <summary>Keeps the <see cref="Grant"/> document of each grant stream, inline with the append.</summary>
public partial class GrantProjection : SingleStreamProjection<Grant, string>
{
    public Grant Create(GrantApproved e) => new()
    {
        Id = e.GrantId,
        ApplicationId = e.ApplicationId,
        Subject = e.Subject,
        Type = e.Type,
        Status = Statuses.Valid,
        Scopes = [.. e.Scopes],
        CreationDate = e.ApprovedAt,
        Properties = new(e.Properties),
    };

    public void Apply(GrantUpdated e, Grant grant)
    {
        grant.ApplicationId = e.ApplicationId;
        grant.Subject = e.Subject;
        grant.Type = e.Type;
        grant.Status = e.Status;
        grant.Scopes = [.. e.Scopes];
        grant.Properties = new(e.Properties);
    }

    public void Apply(GrantRevoked e, Grant grant) => grant.Status = Statuses.Revoked;

    public bool ShouldDelete(GrantPruned e) => true;
}
