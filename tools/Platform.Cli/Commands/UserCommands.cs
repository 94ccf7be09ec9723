using System.CommandLine;
using System.Text.Json;
using Platform.Cli.Connection;
using Platform.Cli.Output;

namespace Platform.Cli.Commands;

/// <summary><c>./platform users add|list|show|reset-password|disable|enable|unlock</c> over <c>/admin/users</c>.</summary>
internal static class UserCommands
{
    private const string Path = "admin/users";

    public static Command Create(RunContext run)
    {
        var users = new Command("users", "Create and manage the people who sign in.");
        users.Subcommands.Add(Add(run));
        users.Subcommands.Add(List(run));
        users.Subcommands.Add(Show(run));
        users.Subcommands.Add(Update(run));
        users.Subcommands.Add(ResetPassword(run));
        users.Subcommands.Add(Action(run, "disable", "Disable a user: they cannot sign in and every token issued for them becomes inactive.", "disable", withReason: true,
            user => $"Disabled {user}: their tokens are no longer active."));
        users.Subcommands.Add(Action(run, "enable", "Enable a disabled user again (their old tokens stay revoked).", "enable", withReason: false,
            user => $"Enabled {user}."));
        users.Subcommands.Add(Action(run, "unlock", "End a lockout after too many wrong passwords.", "unlock", withReason: false,
            user => $"Unlocked {user}."));
        return users;
    }

    /// <summary>The user's id, from an id or a user name (the answer of <c>GET /admin/users/{idOrUsername}</c>).</summary>
    public static async Task<string> IdOfAsync(PlatformApi api, string user, CancellationToken cancellationToken)
    {
        var found = await api.GetAsync($"{Path}/{PlatformApi.Segment(user)}", PlatformApi.AdminScope, cancellationToken) ?? default;
        var id = found.Text("id");
        return id.Length > 0 ? id : throw new RefusedException($"Platform's answer for user '{user}' has no id.", 200, new Dictionary<string, string[]>(), found);
    }

    private static Command Add(RunContext run)
    {
        var username = Arguments.Required("username", "The user name they sign in with.");
        var email = Arguments.Text("--email", "Their e-mail address.");
        var name = Arguments.Text("--name", "Their full name.");
        var passwordStdin = PasswordFromStdin();
        var command = new Command("add", "Create a user. Without --password-stdin Platform generates a password, printed this once.")
        {
            username, email, name, passwordStdin,
        };

        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var password = parse.GetValue(passwordStdin) ? await ReadPasswordAsync(run.Console) : null;
            var answer = await run.Api(parse).SendAsync(HttpMethod.Post, Path,
                new { username = parse.GetValue(username), email = parse.GetValue(email), name = parse.GetValue(name), password },
                PlatformApi.AdminScope, cancellationToken) ?? default;
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(answer);
                return;
            }

            printer.Line($"Created user {answer.Text("username")} (id {answer.Text("id")}).");
            PrintGeneratedPassword(printer, answer);
        });
    }

    private static Command List(RunContext run)
    {
        var command = new Command("list", "List every user.");
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var answer = await run.Api(parse).GetAsync(Path, PlatformApi.AdminScope, cancellationToken);
            run.Printer(parse).List(answer, ["id", "username", "name", "email", "status", "created"], user => (IReadOnlyList<string>)
            [
                user.Text("id"), user.Text("username"), user.Text("name"), user.Text("email"), Status(user), When.Utc(user.Text("createdAt")),
            ]);
        });
    }

    private static Command Show(RunContext run)
    {
        var user = Arguments.Required("user", "The user's id or user name.");
        var command = new Command("show", "Show one user.") { user };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var answer = await run.Api(parse).GetAsync($"{Path}/{PlatformApi.Segment(parse.GetValue(user)!)}", PlatformApi.AdminScope, cancellationToken) ?? default;
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(answer);
                return;
            }

            printer.Fields(
            [
                ("Id", answer.Text("id")),
                ("User name", answer.Text("username")),
                ("Name", answer.Text("name")),
                ("E-mail", answer.Text("email")),
                ("Status", Status(answer)),
                ("Created", When.Utc(answer.Text("createdAt"))),
            ]);
        });
    }

    private static Command Update(RunContext run)
    {
        var user = Arguments.Required("user", "The user's id or user name.");
        var email = Arguments.Text("--email", "The new e-mail address (\"\" clears it).");
        var name = Arguments.Text("--name", "The new full name (\"\" clears it).");
        var command = new Command("update", "Change a user's e-mail address or name; only the options given change.") { user, email, name };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var changes = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (parse.Given(email))
            {
                changes["email"] = parse.GetValue(email) is { Length: > 0 } value ? value : null;
            }

            if (parse.Given(name))
            {
                changes["name"] = parse.GetValue(name) is { Length: > 0 } value ? value : null;
            }

            if (changes.Count == 0)
            {
                throw new UsageException("Nothing to update: give --email or --name.");
            }

            var api = run.Api(parse);
            var id = await IdOfAsync(api, parse.GetValue(user)!, cancellationToken);
            var answer = await api.SendAsync(HttpMethod.Patch, $"{Path}/{PlatformApi.Segment(id)}", changes, PlatformApi.AdminScope, cancellationToken) ?? default;
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(answer);
            }
            else
            {
                printer.Line($"Updated {answer.Text("username")}: name '{answer.Text("name")}', e-mail '{answer.Text("email")}'.");
            }
        });
    }

    private static Command ResetPassword(RunContext run)
    {
        var user = Arguments.Required("user", "The user's id or user name.");
        var passwordStdin = PasswordFromStdin();
        var command = new Command("reset-password", "Set a new password. Without --password-stdin Platform generates one, printed this once.") { user, passwordStdin };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var password = parse.GetValue(passwordStdin) ? await ReadPasswordAsync(run.Console) : null;
            var api = run.Api(parse);
            var id = await IdOfAsync(api, parse.GetValue(user)!, cancellationToken);
            var answer = await api.SendAsync(HttpMethod.Post, $"{Path}/{PlatformApi.Segment(id)}/password",
                password is null ? new { } : new { password }, PlatformApi.AdminScope, cancellationToken);
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(answer ?? JsonSerializer.SerializeToElement(new { id, passwordChanged = true }));
                return;
            }

            printer.Line($"Changed the password of {parse.GetValue(user)}.");
            if (answer is { } generated)
            {
                PrintGeneratedPassword(printer, generated);
            }
        });
    }

    private static Command Action(RunContext run, string name, string description, string path, bool withReason, Func<string, string> done)
    {
        var user = Arguments.Required("user", "The user's id or user name.");
        var reason = Arguments.Text("--reason", "Why, for the audit trail.");
        var command = new Command(name, description) { user };
        if (withReason)
        {
            command.Options.Add(reason);
        }

        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var api = run.Api(parse);
            var id = await IdOfAsync(api, parse.GetValue(user)!, cancellationToken);
            var answer = await api.SendAsync(HttpMethod.Post, $"{Path}/{PlatformApi.Segment(id)}/{path}",
                withReason ? new { reason = parse.GetValue(reason) } : null, PlatformApi.AdminScope, cancellationToken);
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(answer);
            }
            else
            {
                printer.Line(done(parse.GetValue(user)!));
            }
        });
    }

    private static Option<bool> PasswordFromStdin() => new("--password-stdin")
    {
        Description = "Read the password from the first line of standard input (never from the command line, where others could read it).",
    };

    private static async Task<string> ReadPasswordAsync(CliConsole console)
    {
        var line = await console.In.ReadLineAsync();
        return string.IsNullOrEmpty(line)
            ? throw new UsageException("--password-stdin: standard input is empty; pipe the password in, e.g. printf '%s\\n' \"$PASSWORD\" | ./platform users ...")
            : line;
    }

    private static void PrintGeneratedPassword(Printer printer, JsonElement answer)
    {
        var password = answer.Text("password");
        if (password.Length > 0)
        {
            printer.Line("Password (generated, shown this once; hand it over safely):");
            printer.Line($"  {password}");
        }
    }

    private static string Status(JsonElement user)
    {
        var status = user.Flag("enabled") switch { true => "enabled", false => "disabled", null => "" };
        return user.Flag("lockedOut") == true ? $"{status}, locked out" : status;
    }
}
