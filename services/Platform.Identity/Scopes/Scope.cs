using System.Text.Json;

using Platform.Identity.Storage;

namespace Platform.Identity.Scopes;

/// <summary>
/// The OpenIddict scope, as projected inline from the scope's stream. OpenIddict's managers mutate an instance
/// through the store's setters and then call <c>UpdateAsync</c>, which turns the difference with the stored
/// document into events; so these properties stay mutable.
/// </summary>
public sealed class Scope : IVersionedDocument
{
    public string? Id { get; set; }
    public string? Name { get; set; }
    public string? DisplayName { get; set; }

    /// <summary>Localized display names keyed by culture name.</summary>
    public Dictionary<string, string> DisplayNames { get; set; } = [];

    public string? Description { get; set; }

    /// <summary>Localized descriptions keyed by culture name.</summary>
    public Dictionary<string, string> Descriptions { get; set; } = [];

    public string[] Resources { get; set; } = [];
    public Dictionary<string, JsonElement> Properties { get; set; } = [];

    /// <summary>The version of the scope's stream this state reflects: OpenIddict's concurrency token.</summary>
    public long Version { get; set; }

    /// <summary>A detached copy (what a cache hands out, so no caller mutates another's instance).</summary>
    public Scope Copy() => new()
    {
        Id = Id, Name = Name, DisplayName = DisplayName, DisplayNames = new(DisplayNames, StringComparer.Ordinal),
        Description = Description, Descriptions = new(Descriptions, StringComparer.Ordinal), Resources = [.. Resources],
        Properties = Properties.ToDictionary(pair => pair.Key, pair => pair.Value.Clone(), StringComparer.Ordinal),
        Version = Version,
    };
}
