using Marten.Events.Aggregation;
using Platform.Contracts.Events;

namespace Platform.Identity.Scopes;

/// <summary>Keeps the <see cref="Scope"/> document of each scope stream, inline with the append.</summary>
public partial class ScopeProjection : SingleStreamProjection<Scope, string>
{
    public Scope Create(ScopeDefined e)
    {
        var scope = new Scope { Id = e.ScopeId };
        Apply(e, scope);
        return scope;
    }

    public void Apply(ScopeDefined e, Scope scope)
    {
        scope.Name = e.Name;
        scope.DisplayName = e.DisplayName;
        scope.DisplayNames = new(e.DisplayNames);
        scope.Description = e.Description;
        scope.Descriptions = new(e.Descriptions);
        scope.Resources = [.. e.Resources];
        scope.Properties = new(e.Properties);
    }

    public bool ShouldDelete(ScopeRemoved e) => true;
}
