using Platform.Contracts.Events;

using Platform.Identity.Storage;

namespace Platform.Identity.Scopes;

/// <summary>What happened to a scope, as events: a scope is defined (again, whole, on every change) or removed.</summary>
public static class ScopeChanges
{
    public static ScopeDefined Define(Scope scope, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentException.ThrowIfNullOrEmpty(scope.Id);

        return new ScopeDefined(scope.Id, scope.Name ?? "", scope.DisplayName, scope.Description, scope.Resources, now)
        {
            DisplayNames = scope.DisplayNames,
            Descriptions = scope.Descriptions,
            Properties = scope.Properties,
        };
    }

    /// <summary>The events that take <paramref name="stored"/> to <paramref name="updated"/>; none when nothing changed.</summary>
    public static IReadOnlyList<object> Decide(Scope stored, Scope updated, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(updated);
        ArgumentException.ThrowIfNullOrEmpty(stored.Id);

        return SameDefinition(stored, updated) ? [] : [Define(new Scope
        {
            Id = stored.Id,
            Name = updated.Name,
            DisplayName = updated.DisplayName,
            DisplayNames = updated.DisplayNames,
            Description = updated.Description,
            Descriptions = updated.Descriptions,
            Resources = updated.Resources,
            Properties = updated.Properties,
        }, now)];
    }

    public static ScopeRemoved Remove(Scope stored, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentException.ThrowIfNullOrEmpty(stored.Id);

        return new ScopeRemoved(stored.Id, stored.Name ?? "", now);
    }

    private static bool SameDefinition(Scope stored, Scope updated) =>
        string.Equals(stored.Name, updated.Name, StringComparison.Ordinal)
        && string.Equals(stored.DisplayName, updated.DisplayName, StringComparison.Ordinal)
        && string.Equals(stored.Description, updated.Description, StringComparison.Ordinal)
        && Same.Values(stored.Resources, updated.Resources)
        && Same.Values(stored.DisplayNames, updated.DisplayNames)
        && Same.Values(stored.Descriptions, updated.Descriptions)
        && Same.Properties(stored.Properties, updated.Properties);
}
