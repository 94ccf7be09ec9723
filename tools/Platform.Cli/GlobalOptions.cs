using System.CommandLine;

namespace Platform.Cli;

/// <summary>The options every command takes.</summary>
public sealed class GlobalOptions
{
    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON document instead of tables (failures as JSON on standard error).", Recursive = true };

    public Option<string?> Issuer { get; } = new("--issuer") { Description = "Platform's issuer URL (default: PLATFORM_ISSUER, else demo.env).", Recursive = true };

    public Option<string?> ClientId { get; } = new("--client-id") { Description = "The administration client (default: PLATFORM_ADMIN_CLIENT_ID, else demo.env); its secret comes from PLATFORM_ADMIN_CLIENT_SECRET or demo.env.", Recursive = true };

    public void AddTo(Command root)
    {
        root.Options.Add(Json);
        root.Options.Add(Issuer);
        root.Options.Add(ClientId);
    }
}
