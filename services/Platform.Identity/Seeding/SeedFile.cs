using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.ServiceDefaults;

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
            throw new MissingSettingException(Key, "the path of a seed file, or nothing", $"'{path}' does not exist");
        }

        return JsonSerializer.Deserialize<SeedFile>(File.ReadAllText(path), JsonOptions) ?? new SeedFile();
    }
}

/// <summary>Registers <typeparamref name="TSeeder"/> to run at start-up when a seed file is configured.</summary>
public static class SeedRegistration
{
    public static WebApplicationBuilder AddSeeding<TSeeder>(this WebApplicationBuilder builder) where TSeeder : class, IHostedService
    {
        if (SeedFile.Read(builder.Configuration) is { } seed)
        {
            builder.Services.AddSingleton(seed);
            // At start-up, and by the apply-schema command (which starts no hosted service).
            builder.Services.AddSingleton<TSeeder>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<TSeeder>());
            builder.Services.AddSingleton(sp => new DatabaseSeed(typeof(TSeeder).Name, sp.GetRequiredService<TSeeder>().StartAsync));
        }

        return builder;
    }

    /// <summary>
    /// The seed file is configuration: an invalid entry stops the service with one sentence (exit 78), not a
    /// stack trace. The sentence names the entry and its wrong fields, never the values (they may be secrets).
    /// </summary>
    public static MissingSettingException Invalid(string kind, string name, IReadOnlyDictionary<string, string[]> errors) =>
        new(SeedFile.Key, $"a seed file whose {kind}s are valid",
            $"{kind} '{name}' is invalid ({string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value).TrimEnd('.')}"))})");
}

public sealed record SeedScope(string Name, string? DisplayName, IReadOnlyList<string>? Resources);

public sealed record SeedClient(
    string ClientId,
    string? ClientSecret,
    string? DisplayName,
    IReadOnlyList<string>? GrantTypes,
    IReadOnlyList<string>? Scopes,
    IReadOnlyList<string>? RedirectUris,
    bool Introspection,
    string? ClientType = null,
    string? ApplicationType = null,
    IReadOnlyList<string>? PostLogoutRedirectUris = null,
    string? ConsentType = null);

public sealed record SeedUser(string UserName, string? Email, string Password);
