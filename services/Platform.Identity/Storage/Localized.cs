using System.Collections.Immutable;
using System.Globalization;

namespace Platform.Identity.Storage;

/// <summary>Localized strings are stored by culture name; OpenIddict speaks <see cref="CultureInfo"/>.</summary>
public static class Localized
{
    public static ImmutableDictionary<CultureInfo, string> ToCultures(IReadOnlyDictionary<string, string> values) =>
        values.ToImmutableDictionary(pair => CultureInfo.GetCultureInfo(pair.Key), pair => pair.Value);

    public static Dictionary<string, string> ToNames(ImmutableDictionary<CultureInfo, string> values) =>
        values.ToDictionary(pair => pair.Key.Name, pair => pair.Value, StringComparer.Ordinal);
}
