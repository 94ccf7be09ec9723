using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.Events;
using Platform.Projection.ReadModel;
using Platform.ServiceDefaults;
using Platform.Testing;
using Xunit;

namespace Platform.Projection.Tests;

/// <summary>
/// The audit API of the projection service on a store where the test appends a code flow's events with Marten,
/// as the writers would: issued, refreshed, the old refresh token reused and the family revoked.
/// </summary>
public sealed class AuditApiTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    [Fact]
    public async Task RefreshReuse_TokenHistoriesAndPointInTime_ShowRotationAndFamilyRevocation()
    {
        var flow = await fixture.AppendRefreshReuseAsync();

        var refreshed = await fixture.GetAsync($"audit/tokens/{flow.FirstRefresh}");
        Assert.Equal(["token_issued", "token_redeemed", "token_revoked"], Types(refreshed));
        Assert.Equal("refresh_replayed", Events(refreshed)[2].GetProperty("reason").GetString());

        var rotated = Events(await fixture.GetAsync($"audit/tokens/{flow.SecondRefresh}"));
        Assert.Equal(["token_issued", "token_revoked"], rotated.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal(flow.FirstRefresh, rotated[0].GetProperty("data").GetProperty("parentTokenId").GetString());
        var revokedAt = rotated[1].GetProperty("time").GetDateTimeOffset();

        var before = await fixture.GetAsync($"audit/tokens/{flow.SecondRefresh}/at?time={Uri.EscapeDataString(revokedAt.AddTicks(-10).ToString("O"))}");
        var after = await fixture.GetAsync($"audit/tokens/{flow.SecondRefresh}/at?time={Uri.EscapeDataString(revokedAt.ToString("O"))}");
        var firstAfter = await fixture.GetAsync($"audit/tokens/{flow.FirstRefresh}/at?time={Uri.EscapeDataString(revokedAt.ToString("O"))}");
        Assert.True(before.GetProperty("active").GetBoolean());
        Assert.Equal("revoked", after.GetProperty("reason").GetString());
        Assert.Equal("refresh_replayed", after.GetProperty("revocationReason").GetString());
        Assert.Equal("redeemed", firstAfter.GetProperty("reason").GetString());

        var timeline = Events(await fixture.GetAsync($"audit/subjects/{flow.User}/timeline"));
        var sequences = timeline.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal("user_registered", timeline[0].GetProperty("type").GetString());
        Assert.Equal("grant_approved", timeline[1].GetProperty("type").GetString());
        Assert.Equal(4, timeline.Count(e => e.TryGetProperty("reason", out var reason) && reason.GetString() == "refresh_replayed"));

        var grant = Events(await fixture.GetAsync($"audit/grants/{flow.Grant}"));
        Assert.Equal(flow.User, grant[0].GetProperty("actor").GetProperty("id").GetString());
    }

    [Fact]
    public async Task GrantRevokedAndUserDisabled_PointInTime_NamesTheCascade()
    {
        var flow = await fixture.AppendRefreshReuseAsync(reuse: false);
        await fixture.AppendAsync(flow.Grant, new GrantRevoked(flow.Grant, "admin", DateTimeOffset.UtcNow));
        await fixture.AppendAsync(flow.User, new UserDisabled(flow.User, "left the company", DateTimeOffset.UtcNow));

        var status = await fixture.GetAsync($"audit/tokens/{flow.SecondRefresh}/at?time={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddSeconds(5).ToString("O"))}");
        var user = Events(await fixture.GetAsync($"audit/users/{flow.User}"));

        Assert.Equal("grant_revoked", status.GetProperty("reason").GetString());
        Assert.Equal("left the company", user[^1].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Audit_StoreAnswersNeverAFiveHundred_ForOddPaths()
    {
        foreach (var path in new[] { "audit/tokens/a%20b", "audit/users/" + new string('a', 101), "audit/tokens/x/at", "audit/grants/x?after=abc", "audit/subjects/nobody/timeline" })
        {
            using var response = await fixture.SendAsync(path);
            Assert.InRange((int)response.StatusCode, 400, 499);
        }
    }

    private static JsonElement[] Events(JsonElement page) => [.. page.GetProperty("events").EnumerateArray()];

    private static IEnumerable<string?> Types(JsonElement page) => Events(page).Select(e => e.GetProperty("type").GetString());
}

/// <summary>The projection service on its own database, an event store the test appends to, and an auditor's token in the read model.</summary>
public sealed class AuditFixture : IAsyncLifetime
{
    private ServiceHost<Program> host = null!;
    private DocumentStore events = null!;
    private string auditorToken = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var postgres = await TestServers.CreateDatabaseAsync("audit");
        events = DocumentStore.For(options => EventStore.ConfigureEventStore(options, postgres));
        // These tests append revocations straight to the store, never through the bus: a replica rightly stops
        // trusting its read model once such a revocation is older than MaxLag, and would then refuse the auditor's
        // token (which exists only in the read model). Audit reads the events alone, so freshness is not under test.
        host = new ServiceHost<Program>(postgres, await TestServers.RabbitMqAsync(), $"audit-tests-{Guid.NewGuid():N}",
            new Dictionary<string, string?> { ["Platform:Projection:MaxLag"] = "01:00:00" });
        Http = host.CreateClient();

        auditorToken = PlatformCluster.NewSecret();
        await using var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Store(new TokenView
        {
            Id = Guid.CreateVersion7().ToString(), State = TokenState.Valid, Kind = TokenKinds.AccessToken,
            ReferenceIdHash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(auditorToken))),
            Scopes = ["platform.audit"], ExpiresAt = DateTimeOffset.UtcNow.AddHours(1),
        });
        await session.SaveChangesAsync();

        // The auditor's token is in the read model only, not in the writers' documents (where every real token is,
        // written with its TokenIssued), and a replica reads its read model only once it can show it is fresh: its
        // bus connected and the store read. Before that it reads the writers' documents and rightly answers 401 for
        // this token. Ready means exactly that.
        await Eventually.HoldsAsync(async () =>
        {
            using var ready = await Http.GetAsync("health/ready");
            return ready.IsSuccessStatusCode;
        }, "the projection replica to be ready (its bus connected, the store read)");
    }

    public async Task AppendAsync(string streamId, params object[] appended)
    {
        await using var session = events.LightweightSession();
        session.Events.Append(streamId, appended);
        await session.SaveChangesAsync();
    }

    /// <summary>
    /// A user consents, the code gives an access and a refresh token, the refresh token is rotated, and (with
    /// <paramref name="reuse"/>) the first refresh token is presented again: every token of the grant is revoked.
    /// </summary>
    public async Task<RefreshFlow> AppendRefreshReuseAsync(bool reuse = true)
    {
        string New() => Guid.CreateVersion7().ToString();
        var (user, grant, app, code, access1, refresh1, access2, refresh2) = (New(), New(), New(), New(), New(), New(), New(), New());
        var now = DateTimeOffset.UtcNow;
        TokenIssued Issued(string id, string kind, string? parent) => new(id, kind, app, "shop-web", grant, user, ["openid", "offline_access"],
            [], now, now.AddHours(1), parent, Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(id))), "valid");

        await AppendAsync(user, new UserRegistered(user, $"user-{user}", null, now));
        await AppendAsync(grant, new GrantApproved(grant, app, user, "permanent", ["openid", "offline_access"], now));
        await AppendAsync(code, Issued(code, TokenKinds.AuthorizationCode, null));
        await AppendAsync(code, new TokenRedeemed(code, now));
        await AppendAsync(access1, Issued(access1, TokenKinds.AccessToken, code));
        await AppendAsync(refresh1, Issued(refresh1, TokenKinds.RefreshToken, code));
        await AppendAsync(refresh1, new TokenRedeemed(refresh1, now));
        await AppendAsync(access2, Issued(access2, TokenKinds.AccessToken, refresh1));
        await AppendAsync(refresh2, Issued(refresh2, TokenKinds.RefreshToken, refresh1));
        if (reuse)
        {
            await Task.Delay(20);
            foreach (var token in new[] { access1, refresh1, access2, refresh2 })
            {
                await AppendAsync(token, new TokenRevoked(token, RevocationReasons.RefreshReplayed, DateTimeOffset.UtcNow));
            }
        }

        return new RefreshFlow(user, grant, refresh1, refresh2);
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await SendAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task<HttpResponseMessage> SendAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", auditorToken);
        var response = await Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await host.DisposeAsync();
        await events.DisposeAsync();
    }
}

public sealed record RefreshFlow(string User, string Grant, string FirstRefresh, string SecondRefresh);
