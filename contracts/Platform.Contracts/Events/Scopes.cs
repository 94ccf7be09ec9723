using System.Text.Json;

namespace Platform.Contracts.Events;

/// <summary>A scope was defined, or its definition replaced. Stream: the scope's OpenIddict identifier.</summary>
/// <param name="ScopeId">The OpenIddict identifier of the scope.</param>
/// <param name="Name">The scope value clients ask for.</param>
/// <param name="DisplayName">What the scope lets an application do, in words a person understands.</param>
/// <param name="Description">A longer description.</param>
/// <param name="Resources">The audiences (resource servers) a token with this scope is meant for.</param>
/// <param name="DefinedAt">When it committed.</param>
public sealed record ScopeDefined(
    string ScopeId,
    string Name,
    string? DisplayName,
    string? Description,
    IReadOnlyList<string> Resources,
    DateTimeOffset DefinedAt)
{
    /// <summary>Localized display names, keyed by culture name. Added later: empty in older events.</summary>
    public IReadOnlyDictionary<string, string> DisplayNames { get; init; } = new Dictionary<string, string>();

    /// <summary>Localized descriptions, keyed by culture name. Added later: empty in older events.</summary>
    public IReadOnlyDictionary<string, string> Descriptions { get; init; } = new Dictionary<string, string>();

    /// <summary>OpenIddict's free-form scope properties. Added later: empty in older events.</summary>
    public IReadOnlyDictionary<string, JsonElement> Properties { get; init; } = new Dictionary<string, JsonElement>();
}

/// <summary>A scope was removed.</summary>
/// <param name="ScopeId">The OpenIddict identifier of the scope.</param>
/// <param name="Name">The scope value.</param>
/// <param name="RemovedAt">When it committed.</param>
public sealed record ScopeRemoved(string ScopeId, string Name, DateTimeOffset RemovedAt);
