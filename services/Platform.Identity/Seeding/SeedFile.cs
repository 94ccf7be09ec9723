using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Platform.Identity.Seeding;

/// <summary>
/// Scopes, clients and users to create at start-up when they do not exist yet (setting
/// <c>Platform:Seed:File</c>). Creating is idempotent: what exists is left as it is. <c>./platform up</c>
/// writes this file for the demo client, the demo API and the demo user.
/// </summary>
public sealed record SeedFile
{
    public const string Key = "Platform:Seed:File";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public IReadOnlyList<SeedScope> Scopes { get; init; } = [];
    public IReadOnlyList<SeedClient> Clients { get; init; } = [];
    public IReadOnlyList<SeedUser> Users { get; init; } = [];

    public static SeedFile? Read(IConfiguration configuration)
    {
        var path = configuration[Key];
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        if (!File.Exists(path))
        {
            throw new ServiceDefaults.MissingSettingException(Key, "the path of a seed file, or nothing", $"'{path}' does not exist");
        }

        return JsonSerializer.Deserialize<SeedFile>(File.ReadAllText(path), JsonOptions) ?? new SeedFile();
    }
}

public sealed record SeedScope(string Name, string? DisplayName, IReadOnlyList<string>? Resources);

public sealed record SeedClient(
    string ClientId,
    string? ClientSecret,
    string? DisplayName,
    IReadOnlyList<string>? GrantTypes,
    IReadOnlyList<string>? Scopes,
    IReadOnlyList<string>? RedirectUris,
    bool Introspection);

public sealed record SeedUser(string UserName, string? Email, string Password);
