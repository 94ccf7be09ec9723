using System.Globalization;

namespace Platform.Cli.Output;

/// <summary>Times as a person reads them in a table: UTC, to the second.</summary>
public static class When
{
    public static string Utc(string value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : value;
}
