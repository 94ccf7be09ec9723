using System.CommandLine;
using System.Text.Json;
using Platform.Cli.Connection;
using Platform.Cli.Output;

namespace Platform.Cli.Commands;

/// <summary>
/// <c>./platform audit token|grant|client|subject</c> over <c>/audit/*</c> (scope <c>platform.audit</c>): what
/// happened, from the event store, with time, actor and reason.
/// </summary>
internal static class AuditCommands
{
    public static Command Create(RunContext run)
    {
        var audit = new Command("audit", "What happened to a token, grant, client or user, from the event store.");
        audit.Subcommands.Add(Token(run));
        audit.Subcommands.Add(History(run, "grant", "grant-id", "A grant's history: approved, updated, revoked.", "audit/grants"));
        audit.Subcommands.Add(Timeline(run, "client", "client-id", "A client's timeline: its registration and changes, and every grant and token of it.", "audit/clients", resolveUser: false));
        audit.Subcommands.Add(Timeline(run, "subject", "subject", "A user's timeline (user id or user name): sign-ins, consents, and every token issued for them.", "audit/subjects", resolveUser: true));
        return audit;
    }

    private static Command Token(RunContext run)
    {
        var id = Arguments.Required("token-id", "The token's id (the jti introspection answers).");
        var at = Arguments.Text("--at", "An RFC 3339 time (e.g. 2026-11-28T12:00:00Z): was the token active then, and if not, why.");
        var (after, limit) = Paging();
        var command = new Command("token", "A token's history, or with --at whether it was active at a time.") { id, at, after, limit };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var api = run.Api(parse);
            var tokenId = parse.GetValue(id)!;
            if (parse.GetValue(at) is not { } time)
            {
                await PrintPageAsync(run, parse, api, $"audit/tokens/{PlatformApi.Segment(tokenId)}", after, limit, withStream: false, cancellationToken);
                return;
            }

            var answer = await api.GetAsync($"audit/tokens/{PlatformApi.Segment(tokenId)}/at?time={Uri.EscapeDataString(time)}", PlatformApi.AuditScope, cancellationToken) ?? default;
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(answer);
                return;
            }

            var since = answer.Text("since");
            var why = answer.Text("reason") + (answer.Text("revocationReason") is { Length: > 0 } revocation ? $" ({revocation})" : "");
            printer.Line(answer.Flag("active") == true
                ? $"Token {tokenId} was active at {When.Utc(time)}."
                : $"Token {tokenId} was not active at {When.Utc(time)}: {why}" + (since.Length == 0 ? "." : $" since {When.Utc(since)}."));
        });
    }

    private static Command History(RunContext run, string name, string argument, string description, string path)
    {
        var id = Arguments.Required(argument, $"The {name}'s id.");
        var (after, limit) = Paging();
        var command = new Command(name, description) { id, after, limit };
        return run.Runs(command, (parse, cancellationToken) =>
            PrintPageAsync(run, parse, run.Api(parse), $"{path}/{PlatformApi.Segment(parse.GetValue(id)!)}", after, limit, withStream: false, cancellationToken));
    }

    private static Command Timeline(RunContext run, string name, string argument, string description, string path, bool resolveUser)
    {
        var id = Arguments.Required(argument, description.Split(':')[0] + ".");
        var (after, limit) = Paging();
        var command = new Command(name, description) { id, after, limit };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var api = run.Api(parse);
            var value = parse.GetValue(id)!;
            try
            {
                await PrintPageAsync(run, parse, api, $"{path}/{PlatformApi.Segment(value)}/timeline", after, limit, withStream: true, cancellationToken);
            }
            catch (RefusedException refused) when (refused.Status == 404 && resolveUser)
            {
                // Not a subject the store knows: perhaps a user name.
                var userId = await UserCommands.IdOfAsync(api, value, cancellationToken);
                await PrintPageAsync(run, parse, api, $"{path}/{PlatformApi.Segment(userId)}/timeline", after, limit, withStream: true, cancellationToken);
            }
        });
    }

    private static (Option<long?> After, Option<int?> Limit) Paging() =>
        (new Option<long?>("--after") { Description = "Only events after this global sequence number (the 'next' of the previous page)." },
         new Option<int?>("--limit") { Description = "At most this many events (1 to 1000; default 100)." });

    private static async Task PrintPageAsync(
        RunContext run, ParseResult parse, PlatformApi api, string path, Option<long?> after, Option<int?> limit, bool withStream, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (parse.GetValue(after) is { } afterValue)
        {
            query.Add($"after={afterValue}");
        }

        if (parse.GetValue(limit) is { } limitValue)
        {
            query.Add($"limit={limitValue}");
        }

        var answer = await api.GetAsync(query.Count == 0 ? path : $"{path}?{string.Join('&', query)}", PlatformApi.AuditScope, cancellationToken) ?? default;
        var printer = run.Printer(parse);
        if (printer.IsJson)
        {
            printer.Document(answer);
            return;
        }

        var headers = withStream ? new[] { "seq", "time", "stream", "event", "actor", "reason" } : ["seq", "time", "event", "actor", "reason"];
        printer.Table(headers, answer.Items("events").Select(e =>
        {
            var cells = new List<string> { e.Text("sequence"), When.Utc(e.Text("time")) };
            if (withStream)
            {
                cells.Add(e.Text("streamId"));
            }

            cells.AddRange([e.Text("type"), Actor(e), e.Text("reason")]);
            return (IReadOnlyList<string>)cells;
        }));

        if (answer.Text("next") is { Length: > 0 } next)
        {
            printer.Line($"More events: run the same command with --after {next}.");
        }
    }

    private static string Actor(JsonElement e) =>
        e.TryGetProperty("actor", out var actor) && actor.ValueKind == JsonValueKind.Object ? $"{actor.Text("kind")}:{actor.Text("id")}" : "";
}
