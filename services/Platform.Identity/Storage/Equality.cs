using System.Collections.Immutable;
using System.Text.Json;

namespace Platform.Identity.Storage;

/// <summary>Value comparisons the decide functions share, so "no change" means the same everywhere.</summary>
public static class Same
{
    public static bool Values(IReadOnlyList<string> left, IReadOnlyList<string> right) =>
        left.SequenceEqual(right, StringComparer.Ordinal);

    public static bool Values(IReadOnlyDictionary<string, string> left, IReadOnlyDictionary<string, string> right) =>
        left.Count == right.Count
        && left.All(pair => right.TryGetValue(pair.Key, out var value) && string.Equals(pair.Value, value, StringComparison.Ordinal));

    public static bool Properties(IReadOnlyDictionary<string, JsonElement> left, IReadOnlyDictionary<string, JsonElement> right) =>
        left.Count == right.Count
        && left.All(pair => right.TryGetValue(pair.Key, out var value) && JsonElement.DeepEquals(pair.Value, value));

    /// <summary>A detached copy: OpenIddict may hand elements of a document it disposes later.</summary>
    public static Dictionary<string, JsonElement> Copy(ImmutableDictionary<string, JsonElement> properties) =>
        properties.ToDictionary(pair => pair.Key, pair => pair.Value.Clone(), StringComparer.Ordinal);
}
