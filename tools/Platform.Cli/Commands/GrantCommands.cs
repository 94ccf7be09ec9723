using System.CommandLine;
using System.Text.Json;
using Platform.Cli.Connection;
using Platform.Cli.Output;

namespace Platform.Cli.Commands;

/// <summary><c>./platform grants list|revoke</c> over <c>/admin/grants</c>: what users consented to, per application.</summary>
internal static class GrantCommands
{
    private const string Path = "admin/grants";

    public static Command Create(RunContext run)
    {
        var grants = new Command("grants", "See and revoke what users allowed applications to do (their consents, OAuth authorizations).");
        grants.Subcommands.Add(List(run));
        grants.Subcommands.Add(Revoke(run));
        return grants;
    }

    private static Command List(RunContext run)
    {
        var user = Arguments.Text("--user", "The user's id or user name.");
        var client = Arguments.Text("--client", "The client id.");
        var command = new Command("list", "List a user's or a client's grants (give exactly one of --user and --client).") { user, client };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(user) is null) == (result.GetResult(client) is null))
            {
                result.AddError("Give exactly one of --user and --client.");
            }
        });

        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var api = run.Api(parse);
            var query = parse.GetValue(user) is { } userName
                ? $"subject={Uri.EscapeDataString(await UserCommands.IdOfAsync(api, userName, cancellationToken))}"
                : $"clientId={Uri.EscapeDataString(parse.GetValue(client)!)}";
            var answer = await api.GetAsync($"{Path}?{query}", PlatformApi.AdminScope, cancellationToken);
            run.Printer(parse).List(answer, ["grant id", "subject", "client", "scopes", "status", "since"], grant => (IReadOnlyList<string>)
            [
                grant.Text("id"), grant.Text("subject"), grant.Text("clientId"), grant.Text("scopes"), grant.Text("status"), When.Utc(grant.Text("createdAt")),
            ]);
        });
    }

    private static Command Revoke(RunContext run)
    {
        var id = Arguments.Required("grant-id", "The grant's id (./platform grants list shows it).");
        var command = new Command("revoke", "Revoke a grant: the application must ask the user again, and every token of the grant becomes inactive.") { id };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var grantId = parse.GetValue(id)!;
            await run.Api(parse).SendAsync(HttpMethod.Delete, $"{Path}/{PlatformApi.Segment(grantId)}", body: null, PlatformApi.AdminScope, cancellationToken);
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(JsonSerializer.SerializeToElement(new { grantId, revoked = true }));
            }
            else
            {
                printer.Line($"Revoked grant {grantId}: its tokens are no longer active.");
            }
        });
    }
}
