using Npgsql;
using Platform.ServiceDefaults;

namespace Platform.Projection.ReadModel;

/// <summary>The projection's settings, bound and checked at start-up.</summary>
public sealed record ProjectionOptions(TimeSpan MaxLag, int CacheSize)
{
    public const string MaxLagKey = "Platform:Projection:MaxLag";
    public const string CacheSizeKey = "Platform:Projection:CacheSize";

    public static ProjectionOptions Read(IConfiguration configuration)
    {
        var maxLag = configuration[MaxLagKey] is { Length: > 0 } lag
            ? TimeSpan.TryParse(lag, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero
                ? parsed
                : throw new MissingSettingException(MaxLagKey, "the longest projection lag a replica may have and still answer from its read model", $"'{lag}' is not a positive time span such as 00:00:02")
            : TimeSpan.FromSeconds(2);
        var cacheSize = configuration[CacheSizeKey] is { Length: > 0 } size
            ? int.TryParse(size, out var count) && count >= 0
                ? count
                : throw new MissingSettingException(CacheSizeKey, "how many token answers each replica caches", $"'{size}' is not a whole number of tokens")
            : 100_000;
        return new ProjectionOptions(maxLag, cacheSize);
    }
}

/// <summary>Plain connections to the shared database, for the reads Marten's read-model store does not cover (the writers' schema).</summary>
public sealed record ProjectionDataSource(NpgsqlDataSource Value);
