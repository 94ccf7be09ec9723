using System.Globalization;
using System.Text.Json;

namespace Platform.Demo;

/// <summary>Who and where: the running Platform, its administration client and demo user, and where the samples go.</summary>
public sealed record DemoOptions(
    Uri Issuer, string AdminClientId, string AdminClientSecret, string UserName, string Password,
    Uri DocumentsApi, Uri Shop, string ShopDataFolder, DemoSecrets Secrets)
{
    public const string ApiClientId = "documents-api";
    public const string ShopClientId = "shop-backend";

    /// <summary>Short on purpose, so that the demo sees an access token expire.</summary>
    public int AccessTokenLifetimeSeconds { get; init; } = 20;
}

/// <summary>What the demo saw, step by step, for a test to assert on.</summary>
public sealed class DemoReport
{
    public string? SignedInAs { get; set; }
    public string? GrantedScope { get; set; }
    public string? DocumentId { get; set; }
    public string? DocumentAfterUpdate { get; set; }
    public IReadOnlyList<string> ExpiredCall { get; set; } = [];
    public string? ExpiredCallOutcome { get; set; }
    public IReadOnlyList<string> ProactiveCall { get; set; } = [];
    public string? ForbiddenOutcome { get; set; }
    public string? ForbiddenScope { get; set; }
    public IReadOnlyList<string> ForbiddenSteps { get; set; } = [];
    public string? GrantId { get; set; }
    public IReadOnlyList<string> RevokedCall { get; set; } = [];
    public string? RevokedCallOutcome { get; set; }
    public bool SignedInAfterRevocation { get; set; }
    public IReadOnlyList<string> FamilyEvents { get; set; } = [];
}

/// <summary>
/// The shop-and-documents story against a running Platform: register, start the samples, sign in, read and
/// write, expire and refresh, be refused a permission, be revoked, and read the token family's history.
/// </summary>
public sealed class DemoStory(DemoOptions options, ISampleApps apps, DemoConsole console)
{
    private static readonly string[] ShopScopes = ["openid", "profile", "offline_access", "documents.read", "documents.write"];

    public DemoReport Report { get; } = new();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        console.Step("Register the documents API and the shop at Platform (POST /admin/scopes, /admin/clients as platform-admin)");
        using var admin = await PlatformAdmin.ConnectAsync(options.Issuer, options.AdminClientId, options.AdminClientSecret, cancellationToken);
        foreach (var (scope, name) in new[] { ("documents.read", "Read your documents"), ("documents.write", "Create and change your documents") })
        {
            var isNew = await admin.DefineScopeAsync(scope, name, DemoOptions.ApiClientId, cancellationToken);
            console.Note($"scope {scope} (tokens for {DemoOptions.ApiClientId}): {(isNew ? "defined" : "already defined")}");
        }

        var (apiSecret, apiWhat) = await admin.EnsureClientAsync(DemoOptions.ApiClientId, new()
        {
            ["displayName"] = "Documents API (ERP)", ["grantTypes"] = Array.Empty<string>(), ["scopes"] = Array.Empty<string>(), ["introspection"] = true,
        }, options.Secrets, cancellationToken);
        console.Note($"client {DemoOptions.ApiClientId} (introspects tokens): {apiWhat}");
        var (shopSecret, shopWhat) = await admin.EnsureClientAsync(DemoOptions.ShopClientId, new()
        {
            ["displayName"] = "Shop", ["grantTypes"] = new[] { "authorization_code", "refresh_token", "client_credentials" },
            ["redirectUris"] = new[] { new Uri(options.Shop, "signin-oidc").AbsoluteUri }, ["scopes"] = ShopScopes,
            ["accessTokenLifetimeSeconds"] = options.AccessTokenLifetimeSeconds,
        }, options.Secrets, cancellationToken);
        console.Note($"client {DemoOptions.ShopClientId} (code + PKCE, refresh, client_credentials; access tokens live {options.AccessTokenLifetimeSeconds} s): {shopWhat}");
        console.Note($"secrets kept in {options.Secrets.Path} (mode 600)");

        console.Step("Start the documents API and the shop");
        await apps.StartAsync(new SampleSettings(options.Issuer, DemoOptions.ApiClientId, apiSecret, DemoOptions.ShopClientId, shopSecret,
            options.DocumentsApi, options.Shop, options.ShopDataFolder), cancellationToken);
        console.Note($"documents API on {options.DocumentsApi}, shop on {options.Shop}");

        console.Step($"{options.UserName} signs in to the shop (headless Chromium: the shop sends the browser to Platform's login and consent pages)");
        await using var visitor = await ShopVisitor.OpenAsync(options.Shop);
        await visitor.SignInAsync(options.UserName, options.Password);
        var (_, session) = await visitor.CallAsync("GET", "session");
        Report.SignedInAs = Text(session, "user");
        Report.GrantedScope = Text(session, "grantedScope");
        console.Expect(Report.SignedInAs == options.UserName, $"the shop's session says: signed in as {Report.SignedInAs}", await visitor.WhereAsync());
        console.Expect(Report.GrantedScope?.Split(' ').Contains("documents.write") == true, $"granted scopes: {Report.GrantedScope}");
        console.Note("the browser holds only the shop's session cookie; the tokens stay on the shop's server, encrypted");

        console.Step("Read and write documents through the shop (the shop calls the documents API with the user's access token)");
        var created = await ShopCallAsync(visitor, "POST", "documents", new { kind = "order", title = "Blue mugs, 2 pieces", customer = "Demo Shop", amount = 19.80m, currency = "EUR" });
        Report.DocumentId = created.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("id", out var id) ? id.ToString() : null;
        console.Expect(Text(created, "outcome") == "ok" && Report.DocumentId is not null, $"created document {Report.DocumentId}");
        var updated = await ShopCallAsync(visitor, "PUT", $"documents/{Report.DocumentId}", new { kind = "order", title = "Blue mugs, 3 pieces", customer = "Demo Shop", amount = 29.70m, currency = "EUR" });
        console.Expect(Text(updated, "outcome") == "ok", "updated it");
        var read = await ShopCallAsync(visitor, "GET", $"documents/{Report.DocumentId}");
        Report.DocumentAfterUpdate = read.TryGetProperty("data", out var document) ? document.GetRawText() : null;
        console.Expect(Text(read, "outcome") == "ok" && Report.DocumentAfterUpdate?.Contains("Blue mugs, 3 pieces", StringComparison.Ordinal) == true, $"read it back: {Report.DocumentAfterUpdate}");

        console.Step($"The access token expires ({options.AccessTokenLifetimeSeconds} s): the API answers 401 invalid_token, the shop refreshes once and succeeds");
        (_, session) = await visitor.CallAsync("GET", "session");
        await WaitUntilAsync(Time(session, "accessTokenExpiresAt").AddSeconds(1), "for the access token to expire", cancellationToken);
        var expired = await ShopCallAsync(visitor, "GET", "documents?proactiveRefresh=false");
        Report.ExpiredCall = Steps(expired);
        Report.ExpiredCallOutcome = Text(expired, "outcome");
        console.Expect(Report.ExpiredCall.FirstOrNull()?.Contains("401 invalid_token", StringComparison.Ordinal) == true, "the API said 401 invalid_token for the expired token");
        console.Expect(Report.ExpiredCall.Any(step => step.StartsWith("Refreshed", StringComparison.Ordinal)) && Report.ExpiredCallOutcome == "ok",
            "the shop refreshed once and the retry succeeded");

        console.Step("Shortly before the new token expires, the shop refreshes first (no 401 at all)");
        (_, session) = await visitor.CallAsync("GET", "session");
        var margin = TimeSpan.FromSeconds(10);
        await WaitUntilAsync(Time(session, "accessTokenExpiresAt") - margin + TimeSpan.FromSeconds(1), "until the token is within the shop's refresh margin", cancellationToken);
        var proactive = await ShopCallAsync(visitor, "GET", "documents");
        Report.ProactiveCall = Steps(proactive);
        console.Expect(Text(proactive, "outcome") == "ok" && Report.ProactiveCall.FirstOrNull()?.Contains("refreshing before calling", StringComparison.Ordinal) == true
            && !Report.ProactiveCall.Any(step => step.Contains("401", StringComparison.Ordinal)), "refreshed before the call; the API never saw an expired token");

        console.Step("A permission the shop was not given: its nightly stock sync (client_credentials, scope documents.read only) tries to write");
        var (_, sync) = await visitor.CallAsync("POST", "stock-sync?report=true");
        PrintSteps(sync);
        Report.ForbiddenOutcome = Text(sync, "outcome");
        Report.ForbiddenScope = Text(sync, "requiredScope");
        Report.ForbiddenSteps = Steps(sync);
        console.Expect(Report.ForbiddenSteps.Any(step => step.Contains("403 insufficient_scope", StringComparison.Ordinal)), "the API said 403 insufficient_scope");
        console.Expect(Report.ForbiddenOutcome == "permission_denied" && Report.ForbiddenScope == "documents.write",
            $"the shop reports 'lacks permission' (needs {Report.ForbiddenScope}) and does not ask for a new token");

        console.Step("An administrator revokes the user's grant to the shop (DELETE /admin/grants/{id}): every token of it stops working");
        var grant = await admin.NewestGrantAsync(DemoOptions.ShopClientId, cancellationToken) ?? throw new DemoException("Platform lists no grant for the shop.");
        Report.GrantId = grant.GetProperty("id").GetString();
        await admin.RevokeGrantAsync(Report.GrantId!, cancellationToken);
        console.Note($"revoked grant {Report.GrantId} (scopes {string.Join(' ', grant.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()))})");
        var revoked = await RefusedAsync(visitor, cancellationToken);
        Report.RevokedCall = Steps(revoked);
        Report.RevokedCallOutcome = Text(revoked, "outcome");
        console.Expect(Report.RevokedCall.FirstOrNull()?.Contains("401 invalid_token", StringComparison.Ordinal) == true, "the API refused the revoked access token: 401 invalid_token");
        console.Expect(Report.RevokedCallOutcome == "sign_in_required" && Report.RevokedCall.Any(step => step.Contains("invalid_grant", StringComparison.Ordinal)),
            "the refresh token was refused too (invalid_grant): the shop ends the session and asks the user to sign in again");
        (_, session) = await visitor.CallAsync("GET", "session");
        Report.SignedInAfterRevocation = session.TryGetProperty("signedIn", out var signedIn) && signedIn.GetBoolean();
        console.Expect(!Report.SignedInAfterRevocation, "the shop's session is gone");

        console.Step($"The token family's history, from the audit API (GET /audit/grants/{Report.GrantId}, /audit/tokens/{{id}} as platform-admin with platform.audit)");
        Report.FamilyEvents = await FamilyAsync(admin, Report.GrantId!, cancellationToken);
        console.Expect(Report.FamilyEvents.Any(e => e.Contains("grant_revoked", StringComparison.Ordinal))
            && Report.FamilyEvents.Any(e => e.Contains("token_revoked", StringComparison.Ordinal) && e.Contains("grant_revoked", StringComparison.Ordinal))
            && Report.FamilyEvents.Any(e => e.Contains("refresh_token", StringComparison.Ordinal) && e.Contains("token_redeemed", StringComparison.Ordinal)),
            "issued, redeemed (refresh rotation) and revoked with the grant: every step is an event");
    }

    private async Task<JsonElement> ShopCallAsync(ShopVisitor visitor, string method, string path, object? body = null)
    {
        var (status, answer) = await visitor.CallAsync(method, path, body);
        console.Note($"shop {method} /{path} -> {status} {Text(answer, "outcome")}");
        PrintSteps(answer);
        return answer;
    }

    private void PrintSteps(JsonElement answer)
    {
        foreach (var step in Steps(answer))
        {
            console.Note($"    {step}");
        }
    }

    /// <summary>The first call after the revocation that the API refuses; revocation reaches introspection within moments.</summary>
    private async Task<JsonElement> RefusedAsync(ShopVisitor visitor, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        while (true)
        {
            var answer = await ShopCallAsync(visitor, "GET", "documents?proactiveRefresh=false");
            if (Text(answer, "outcome") != "ok" || DateTimeOffset.UtcNow > deadline)
            {
                return answer;
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private async Task<IReadOnlyList<string>> FamilyAsync(PlatformAdmin admin, string grantId, CancellationToken cancellationToken)
    {
        var lines = new List<(long Sequence, string Line)>();
        foreach (var e in (await admin.GetAsync($"audit/grants/{grantId}?limit=1000", cancellationToken)).GetProperty("events").EnumerateArray())
        {
            lines.Add(Line(e, "grant"));
        }

        var timeline = await admin.GetAsync($"audit/clients/{DemoOptions.ShopClientId}/timeline?limit=1000", cancellationToken);
        var tokens = timeline.GetProperty("events").EnumerateArray()
            .Where(e => Text(e, "type") == "token_issued" && e.GetProperty("data").TryGetProperty("grantId", out var g) && g.GetString() == grantId)
            .Select(e => (Id: Text(e, "streamId")!, Kind: e.GetProperty("data").GetProperty("kind").GetString()!))
            .ToList();
        foreach (var (tokenId, kind) in tokens)
        {
            foreach (var e in (await admin.GetAsync($"audit/tokens/{tokenId}?limit=1000", cancellationToken)).GetProperty("events").EnumerateArray())
            {
                lines.Add(Line(e, kind));
            }
        }

        var ordered = lines.OrderBy(l => l.Sequence).Select(l => l.Line).ToList();
        foreach (var line in ordered)
        {
            console.Note(line);
        }

        return ordered;
    }

    private static (long, string) Line(JsonElement e, string what)
    {
        var time = Time(e, "time").ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
        var actor = e.TryGetProperty("actor", out var a) && a.ValueKind == JsonValueKind.Object ? $" by {Text(a, "kind")}:{Text(a, "id")}" : "";
        var reason = Text(e, "reason") is { } r ? $" ({r})" : "";
        var stream = Text(e, "streamId") ?? "";
        return (e.GetProperty("sequence").GetInt64(), $"{time}  {Text(e, "type"),-16} {what,-18} {stream[..Math.Min(12, stream.Length)]}{reason}{actor}");
    }

    private async Task WaitUntilAsync(DateTimeOffset until, string what, CancellationToken cancellationToken)
    {
        var wait = until - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            console.Note($"waiting {wait.TotalSeconds:0} s {what} ...");
            await Task.Delay(wait, cancellationToken);
        }
    }

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset Time(JsonElement element, string property) =>
        DateTimeOffset.Parse(Text(element, property) ?? throw new DemoException($"The shop's answer has no {property}: {element}"), CultureInfo.InvariantCulture);

    private static IReadOnlyList<string> Steps(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("steps", out var steps)
            ? [.. steps.EnumerateArray().Select(step => Text(step, "text") ?? "")]
            : [];
}

internal static class ListExtensions
{
    public static string? FirstOrNull(this IReadOnlyList<string> list) => list.Count > 0 ? list[0] : null;
}
