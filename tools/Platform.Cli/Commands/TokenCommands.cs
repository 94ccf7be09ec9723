using System.CommandLine;
using System.Text.Json;
using Platform.Cli.Connection;

namespace Platform.Cli.Commands;

/// <summary><c>./platform tokens revoke</c> over <c>/admin/tokens</c>.</summary>
internal static class TokenCommands
{
    public static Command Create(RunContext run)
    {
        var tokens = new Command("tokens", "Revoke a single token.");
        var id = Arguments.Required("token-id", "The token's id: the jti that introspection answers, or an id from ./platform audit.");
        var revoke = new Command("revoke", "Revoke one token (access, refresh, or code) by its id.") { id };
        tokens.Subcommands.Add(run.Runs(revoke, async (parse, cancellationToken) =>
        {
            var tokenId = parse.GetValue(id)!;
            await run.Api(parse).SendAsync(HttpMethod.Post, $"admin/tokens/{PlatformApi.Segment(tokenId)}/revoke", body: null, PlatformApi.AdminScope, cancellationToken);
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(JsonSerializer.SerializeToElement(new { tokenId, revoked = true }));
            }
            else
            {
                printer.Line($"Revoked token {tokenId}.");
            }
        }));
        return tokens;
    }
}
