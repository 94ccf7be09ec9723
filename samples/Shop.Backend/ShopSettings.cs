namespace Shop.Backend;

/// <summary>
/// What the shop needs to know about Platform and the documents API (section <c>Shop</c>). Read once at
/// start-up: a missing or malformed value stops the shop with one sentence naming it.
/// </summary>
public sealed record ShopSettings(
    Uri Issuer,
    string ClientId,
    string ClientSecret,
    Uri DocumentsApi,
    string Scopes,
    string StockSyncScope,
    TimeSpan RefreshBeforeExpiry,
    string DataFolder)
{
    public const string Section = "Shop";

    public const string DefaultScopes = "openid profile offline_access documents.read documents.write";

    public static ShopSettings Read(IConfiguration configuration, string contentRoot)
    {
        var section = configuration.GetSection(Section);
        return new ShopSettings(
            AbsoluteUrl(section, "Issuer", "Platform's issuer URL, e.g. http://localhost:5000/"),
            Required(section, "ClientId", "the shop's client id at Platform"),
            Required(section, "ClientSecret", "the shop's client secret (shown once when the client was registered)"),
            AbsoluteUrl(section, "DocumentsApi", "the documents API's base URL, e.g. http://127.0.0.1:5080/"),
            section["Scopes"] is { Length: > 0 } scopes ? scopes : DefaultScopes,
            section["StockSyncScope"] is { Length: > 0 } syncScope ? syncScope : "documents.read",
            Duration(section, "RefreshBeforeExpiry", TimeSpan.FromSeconds(10)),
            Path.GetFullPath(section["DataFolder"] is { Length: > 0 } folder ? folder : Path.Combine(contentRoot, "shop-data")));
    }

    private static string Required(IConfigurationSection section, string key, string whatItIs) =>
        section[key] is { Length: > 0 } value ? value : throw new ShopSettingException(section.Path, key, whatItIs);

    private static Uri AbsoluteUrl(IConfigurationSection section, string key, string whatItIs)
    {
        var value = Required(section, key, whatItIs);
        if (Uri.TryCreate(value.EndsWith('/') ? value : value + "/", UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        throw new ShopSettingException(section.Path, key, whatItIs, $"'{value}' is not an absolute http(s) URL");
    }

    private static TimeSpan Duration(IConfigurationSection section, string key, TimeSpan fallback)
    {
        var value = section[key];
        if (string.IsNullOrEmpty(value))
        {
            return fallback;
        }

        return TimeSpan.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var duration) && duration >= TimeSpan.Zero
            ? duration
            : throw new ShopSettingException(section.Path, key, "a duration such as 00:00:10", $"'{value}' is not one");
    }
}

/// <summary>A setting the shop cannot start without, named the way an operator sets it.</summary>
public sealed class ShopSettingException(string section, string key, string whatItIs, string? problem = null)
    : Exception($"Set {section}__{key} (environment) or \"{section}:{key}\" (appsettings.json) to {whatItIs}{(problem is null ? "" : ": " + problem)}.");
