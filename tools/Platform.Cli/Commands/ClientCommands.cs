using System.CommandLine;
using System.Text.Json;
using Platform.Cli.Connection;
using Platform.Cli.Output;

namespace Platform.Cli.Commands;

/// <summary><c>./platform clients add|list|show|update|rotate-secret|disable|enable</c> over <c>/admin/clients</c>.</summary>
internal static class ClientCommands
{
    private const string Path = "admin/clients";

    /// <summary>What a web application (one with a redirect URI) gets when the operator does not say: it can sign a user in and stay signed in.</summary>
    private static readonly string[] WebGrantTypes = ["authorization_code", "refresh_token"];
    private static readonly string[] WebScopes = ["openid", "profile", "email", "offline_access"];

    public static Command Create(RunContext run)
    {
        var clients = new Command("clients", "Register and manage the applications (OAuth clients) that use Platform.");
        clients.Subcommands.Add(Add(run));
        clients.Subcommands.Add(List(run));
        clients.Subcommands.Add(Show(run));
        clients.Subcommands.Add(Update(run));
        clients.Subcommands.Add(RotateSecret(run));
        clients.Subcommands.Add(Disable(run));
        clients.Subcommands.Add(Enable(run));
        return clients;
    }

    private static Command Add(RunContext run)
    {
        var id = new Argument<string?>("client-id") { Description = "The client id (3 to 100 letters, digits, '.', '_', '-'); Platform makes one up when left out.", Arity = ArgumentArity.ZeroOrOne };
        var name = Arguments.Text("--name", "The name users see on the consent and connected-apps pages.");
        var isPublic = new Option<bool>("--public") { Description = "A browser or mobile app that cannot keep a secret: no secret, PKCE required." };
        var native = new Option<bool>("--native") { Description = "A native app: loopback redirect URIs on any port, private-use schemes." };
        var redirects = Arguments.List("--redirect-uri", "Where Platform sends the user back with the code (https, or http on loopback).");
        var postLogout = Arguments.List("--post-logout-uri", "Where Platform may send the user after signing out.");
        var grantTypes = Arguments.List("--grant-type", "authorization_code, refresh_token, client_credentials (default: authorization_code refresh_token with a redirect URI, else client_credentials).");
        var scopes = Arguments.List("--scope", "Scopes the client may ask for (default with a redirect URI: openid profile email offline_access).");
        var consent = Arguments.OneOf("--consent", "explicit (default: the user is asked) or implicit (a trusted first-party app).", "explicit", "implicit");
        var format = Arguments.OneOf("--token-format", "opaque (default: introspected) or jwt (RFC 9068 access tokens).", "opaque", "jwt");
        var introspection = new Option<bool>("--introspection") { Description = "The client is an API that may introspect tokens." };
        var command = new Command("add", "Register a client and print what to put in the application's settings (its secret is shown this once).")
        {
            id, name, isPublic, native, redirects, postLogout, grantTypes, scopes, consent, format, introspection,
        };

        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var redirectUris = parse.Values(redirects) ?? [];
            var isWeb = redirectUris.Length > 0;
            var grants = parse.Values(grantTypes) ?? (isWeb ? WebGrantTypes : null);
            var requestedScopes = parse.Values(scopes) ?? (isWeb ? WebScopes : null);
            var registration = new
            {
                clientId = parse.GetValue(id),
                displayName = parse.GetValue(name),
                clientType = parse.GetValue(isPublic) ? "public" : null,
                applicationType = parse.GetValue(native) ? "native" : null,
                redirectUris = isWeb ? redirectUris : null,
                postLogoutRedirectUris = parse.Values(postLogout),
                grantTypes = grants,
                scopes = requestedScopes,
                consentType = parse.GetValue(consent),
                accessTokenFormat = parse.GetValue(format),
                introspection = parse.GetValue(introspection),
            };

            var api = run.Api(parse);
            var answer = await api.SendAsync(HttpMethod.Post, Path, registration, PlatformApi.AdminScope, cancellationToken) ?? default;
            var settings = AppSettings.For(api.Target.Issuer, answer.Text("client_id"), NullIfEmpty(answer.Text("client_secret")),
                redirectUris, parse.Values(postLogout) ?? [], grants ?? ["client_credentials"], requestedScopes ?? [], parse.GetValue(isPublic));
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(settings);
            }
            else
            {
                settings.Print(printer);
            }
        });
    }

    private static Command List(RunContext run)
    {
        var command = new Command("list", "List every client.");
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var answer = await run.Api(parse).GetAsync(Path, PlatformApi.AdminScope, cancellationToken);
            run.Printer(parse).List(answer, ["client id", "name", "type", "grant types", "scopes", "status"], client => (IReadOnlyList<string>)
            [
                client.Text("clientId"), client.Text("displayName"), $"{client.Text("clientType")} {client.Text("applicationType")}".Trim(),
                client.Text("grantTypes"), client.Text("scopes"), Status(client),
            ]);
        });
    }

    private static Command Show(RunContext run)
    {
        var id = Arguments.Required("client-id", "The client id.");
        var command = new Command("show", "Show one client's registration.") { id };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var answer = await run.Api(parse).GetAsync($"{Path}/{PlatformApi.Segment(parse.GetValue(id)!)}", PlatformApi.AdminScope, cancellationToken);
            Print(run.Printer(parse), answer ?? default);
        });
    }

    private static Command Update(RunContext run)
    {
        var id = Arguments.Required("client-id", "The client id.");
        var name = Arguments.Text("--name", "The name users see.");
        var redirects = Arguments.List("--redirect-uri", "The redirect URIs (replaces the list).");
        var postLogout = Arguments.List("--post-logout-uri", "The post-logout redirect URIs (replaces the list).");
        var grantTypes = Arguments.List("--grant-type", "The grant types (replaces the list).");
        var scopes = Arguments.List("--scope", "The scopes the client may ask for (replaces the list).");
        var consent = Arguments.OneOf("--consent", "explicit or implicit.", "explicit", "implicit");
        var format = Arguments.OneOf("--token-format", "opaque or jwt.", "opaque", "jwt");
        var accessLifetime = Arguments.Seconds("--access-token-lifetime", "Seconds an access token of this client lives (0: Platform's default).");
        var refreshLifetime = Arguments.Seconds("--refresh-token-lifetime", "Seconds a refresh token of this client lives (0: Platform's default).");
        var introspection = new Option<bool>("--introspection") { Description = "true or false: whether the client may introspect tokens." };
        var command = new Command("update", "Change a client's registration; only the options given change.")
        {
            id, name, redirects, postLogout, grantTypes, scopes, consent, format, accessLifetime, refreshLifetime, introspection,
        };

        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var changes = new Dictionary<string, object?>(StringComparer.Ordinal);
            void Take(Option option, string field, object? value)
            {
                if (parse.Given(option))
                {
                    changes[field] = value;
                }
            }

            Take(name, "displayName", parse.GetValue(name));
            Take(redirects, "redirectUris", parse.Values(redirects));
            Take(postLogout, "postLogoutRedirectUris", parse.Values(postLogout));
            Take(grantTypes, "grantTypes", parse.Values(grantTypes));
            Take(scopes, "scopes", parse.Values(scopes));
            Take(consent, "consentType", parse.GetValue(consent));
            Take(format, "accessTokenFormat", parse.GetValue(format));
            Take(accessLifetime, "accessTokenLifetimeSeconds", parse.GetValue(accessLifetime));
            Take(refreshLifetime, "refreshTokenLifetimeSeconds", parse.GetValue(refreshLifetime));
            Take(introspection, "introspection", parse.GetValue(introspection));
            if (changes.Count == 0)
            {
                throw new UsageException("Nothing to update: give at least one option (./platform clients update --help lists them).");
            }

            var answer = await run.Api(parse).SendAsync(HttpMethod.Patch, $"{Path}/{PlatformApi.Segment(parse.GetValue(id)!)}", changes, PlatformApi.AdminScope, cancellationToken);
            Print(run.Printer(parse), answer ?? default);
        });
    }

    private static Command RotateSecret(RunContext run)
    {
        var id = Arguments.Required("client-id", "The client id.");
        var overlap = Arguments.Seconds("--overlap", "Seconds the old secret keeps working beside the new one (default 0: it stops now).");
        var command = new Command("rotate-secret", "Give a confidential client a new secret, shown this once.") { id, overlap };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(overlap);
            var answer = await run.Api(parse).SendAsync(HttpMethod.Post, $"{Path}/{PlatformApi.Segment(parse.GetValue(id)!)}/secret",
                seconds is null ? new { } : new { overlapSeconds = seconds }, PlatformApi.AdminScope, cancellationToken) ?? default;
            var printer = run.Printer(parse);
            if (printer.IsJson)
            {
                printer.Document(answer);
                return;
            }

            printer.Line($"New secret for {answer.Text("client_id")} (shown this once; store it now):");
            printer.Line($"  {answer.Text("client_secret")}");
            var until = answer.Text("previous_secret_valid_until");
            printer.Line(until.Length > 0 ? $"The old secret keeps working until {When.Utc(until)}." : "The old secret no longer works.");
        });
    }

    private static Command Disable(RunContext run)
    {
        var id = Arguments.Required("client-id", "The client id.");
        var reason = Arguments.Text("--reason", "Why, for the audit trail.");
        var command = new Command("disable", "Disable a client: it gets no new token and every token it holds becomes inactive.") { id, reason };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var answer = await run.Api(parse).SendAsync(HttpMethod.Post, $"{Path}/{PlatformApi.Segment(parse.GetValue(id)!)}/disable",
                new { reason = parse.GetValue(reason) }, PlatformApi.AdminScope, cancellationToken);
            Done(run.Printer(parse), answer, $"Disabled {parse.GetValue(id)}: its tokens are no longer active.");
        });
    }

    private static Command Enable(RunContext run)
    {
        var id = Arguments.Required("client-id", "The client id.");
        var command = new Command("enable", "Enable a disabled client again (its old tokens stay revoked).") { id };
        return run.Runs(command, async (parse, cancellationToken) =>
        {
            var answer = await run.Api(parse).SendAsync(HttpMethod.Post, $"{Path}/{PlatformApi.Segment(parse.GetValue(id)!)}/enable",
                body: null, PlatformApi.AdminScope, cancellationToken);
            Done(run.Printer(parse), answer, $"Enabled {parse.GetValue(id)}.");
        });
    }

    private static void Print(Printer printer, JsonElement client)
    {
        if (printer.IsJson)
        {
            printer.Document(client);
            return;
        }

        printer.Fields(
        [
            ("Client id", client.Text("clientId")),
            ("Name", client.Text("displayName")),
            ("Type", client.Text("clientType")),
            ("Application type", client.Text("applicationType")),
            ("Consent", client.Text("consentType")),
            ("Grant types", client.Text("grantTypes")),
            ("Scopes", client.Text("scopes")),
            ("Redirect URIs", client.Text("redirectUris")),
            ("Post-logout URIs", client.Text("postLogoutRedirectUris")),
            ("Access tokens", client.Text("accessTokenFormat")),
            ("Access token lifetime", Lifetime(client.Text("accessTokenLifetimeSeconds"))),
            ("Refresh token lifetime", Lifetime(client.Text("refreshTokenLifetimeSeconds"))),
            ("Introspection", client.Text("introspection")),
            ("Status", Status(client)),
            ("Old secret valid until", When.Utc(client.Text("previousSecretValidUntil"))),
        ]);
    }

    private static void Done(Printer printer, JsonElement? answer, string sentence)
    {
        if (printer.IsJson)
        {
            printer.Document(answer);
        }
        else
        {
            printer.Line(sentence);
        }
    }

    private static string Status(JsonElement client) => client.Flag("enabled") switch
    {
        true => "enabled",
        false => "disabled",
        null => "",
    };

    private static string Lifetime(string seconds) => seconds.Length == 0 ? "Platform's default" : $"{seconds} s";

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
