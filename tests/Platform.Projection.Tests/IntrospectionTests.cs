using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using Platform.Contracts.Events;
using Platform.Identity.Clients;
using Platform.Projection.ReadModel;
using Platform.Testing;
using Xunit;

namespace Platform.Projection.Tests;

/// <summary>Introspection answers from what the bus delivered, whatever the order and however often.</summary>
public sealed class IntrospectionTests(ProjectionFixture fixture) : IClassFixture<ProjectionFixture>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task Introspect_IssuedToken_AnswersFullRfc7662Response()
    {
        var caller = await RegisterCallerAsync();
        var (tokenId, token) = NewToken();
        var sequence = await fixture.PublishAsync(tokenId, 1, Issued(tokenId, token, "shop-app", audience: caller.ClientId));
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.LastSequence == sequence);

        var response = await IntrospectAsync(caller, token);

        Assert.True(response.GetProperty("active").GetBoolean());
        Assert.Equal("shop", response.GetProperty("client_id").GetString());
        Assert.Equal("api documents.read", response.GetProperty("scope").GetString());
        Assert.Equal("shop", response.GetProperty("sub").GetString());
        Assert.Equal(caller.ClientId, response.GetProperty("aud").GetString());
        Assert.Equal("Bearer", response.GetProperty("token_type").GetString());
        Assert.Equal(tokenId, response.GetProperty("jti").GetString());
        Assert.Equal("http://localhost/", response.GetProperty("iss").GetString());
        Assert.Equal(Now.ToUnixTimeSeconds(), response.GetProperty("iat").GetInt64());
        Assert.Equal(Now.AddMinutes(15).ToUnixTimeSeconds(), response.GetProperty("exp").GetInt64());
    }

    [Fact]
    public async Task Introspect_RevocationDeliveredBeforeIssuance_StaysInactive()
    {
        var caller = await RegisterCallerAsync();
        var (tokenId, token) = NewToken();
        await fixture.PublishAsync(tokenId, 2, new TokenRevoked(tokenId, RevocationReasons.RevocationRequest, Now), atSequence: 2_000_002);
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.State == TokenState.Revoked);
        await fixture.PublishAsync(tokenId, 1, Issued(tokenId, token, "shop-app"), atSequence: 2_000_001);
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.ReferenceIdHash is not null);

        var response = await IntrospectAsync(caller, token);

        Assert.Equal("""{"active":false}""", response.GetRawText());
    }

    [Fact]
    public async Task Introspect_SameIssuanceDeliveredTwice_OneActiveToken()
    {
        var caller = await RegisterCallerAsync();
        var (tokenId, token) = NewToken();
        var issued = Issued(tokenId, token, "shop-app", audience: caller.ClientId);
        var sequence = await fixture.PublishAsync(tokenId, 1, issued);
        await fixture.PublishAsync(tokenId, 1, issued, atSequence: sequence);
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.LastSequence == sequence);

        Assert.True((await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Introspect_BurstOfIssuancesOneRevokedFirstOneTwice_ActiveButTheRevokedAndFewerTransactionsThanTokens()
    {
        var caller = await RegisterCallerAsync();
        var tokens = Enumerable.Range(0, 40).Select(_ => NewToken()).ToList();
        var (revokedId, revoked) = tokens[7];
        const long firstSequence = 3_000_000;
        await fixture.PublishAsync(revokedId, 2, new TokenRevoked(revokedId, RevocationReasons.RevocationRequest, Now), atSequence: firstSequence + tokens.Count);
        await fixture.WaitForViewAsync<TokenView>(revokedId, view => view.State == TokenState.Revoked);

        // One relay page: every issuance published at once, the same issuance of one token twice.
        await Task.WhenAll(tokens
            .Select((token, index) => (token.Id, token.Token, Sequence: firstSequence + index))
            .Append((tokens[3].Id, tokens[3].Token, Sequence: firstSequence + 3))
            .Select(issued => fixture.PublishAsync(issued.Id, 1, Issued(issued.Id, issued.Token, "shop-app", audience: caller.ClientId), atSequence: issued.Sequence)));
        var written = await ActiveButTheRevokedAsync(caller, tokens, revokedId, revoked);
        Assert.True(written < tokens.Count, $"{tokens.Count} issued tokens' views were written in {written} transactions.");
    }

    /// <summary>
    /// Under load the relay publishes a page of issuances as one message: the projection applies it in one go. The
    /// page holds a token revoked before (its revocation arrived first) and is delivered twice (a relay that crashed
    /// before recording it publishes it again), and one of its issuances also arrives alone.
    /// </summary>
    [Fact]
    public async Task Introspect_PageOfIssuancesDeliveredTwiceOneRevokedFirst_ActiveButTheRevoked_FewerTransactionsThanTokens()
    {
        var caller = await RegisterCallerAsync();
        var tokens = Enumerable.Range(0, 40).Select(_ => NewToken()).ToList();
        var (revokedId, revoked) = tokens[11];
        const long firstSequence = 4_000_000;
        await fixture.PublishAsync(revokedId, 2, new TokenRevoked(revokedId, RevocationReasons.RevocationRequest, Now), atSequence: firstSequence + tokens.Count);
        await fixture.WaitForViewAsync<TokenView>(revokedId, view => view.State == TokenState.Revoked);

        var page = tokens.Select((token, index) => (token.Id, 1L, Issued(token.Id, token.Token, "shop-app", audience: caller.ClientId), firstSequence + index)).ToList();
        await fixture.PublishPageAsync(page);
        await fixture.PublishPageAsync(page);
        await fixture.PublishAsync(tokens[5].Id, 1, page[5].Item3, atSequence: firstSequence + 5);
        var written = await ActiveButTheRevokedAsync(caller, tokens, revokedId, revoked);
        Assert.True(written < tokens.Count / 4, $"{tokens.Count} issued tokens' views were written in {written} transactions.");
    }

    [Fact]
    public async Task Introspect_TokenOfDisabledClient_Inactive()
    {
        var caller = await RegisterCallerAsync();
        var applicationId = $"app-{Guid.NewGuid():N}";
        var (tokenId, token) = NewToken();
        await fixture.PublishAsync(tokenId, 1, Issued(tokenId, token, applicationId));
        await fixture.PublishAsync(applicationId, 1, Registered(applicationId, $"client-{applicationId}", secretHash: null, introspection: false));
        await fixture.PublishAsync(applicationId, 2, new ClientDisabled(applicationId, "compromised", Now));
        await fixture.WaitForViewAsync<ClientView>(applicationId, view => !view.Enabled);
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.ReferenceIdHash is not null);

        Assert.False((await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Introspect_CallerWithRotatedSecret_OldSecretRefused()
    {
        var caller = await RegisterCallerAsync();
        var newSecret = PlatformCluster.NewSecret();
        await fixture.PublishAsync(caller.ApplicationId, 2, new ClientSecretRotated(caller.ApplicationId, ClientSecrets.Hash(newSecret), Now, null));
        await fixture.WaitForViewAsync<ClientView>(caller.ApplicationId, view => view.SecretVersion == 2);

        using var refused = await PostIntrospectionAsync(caller.ClientId, caller.Secret, "whatever");
        using var accepted = await PostIntrospectionAsync(caller.ClientId, newSecret, "whatever");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Introspect_CachedCallerThenSecretRotated_OldSecretRefusedWithoutWaitingForTheLifetime()
    {
        var caller = await RegisterCallerAsync();
        using (var warm = await PostIntrospectionAsync(caller.ClientId, caller.Secret, "whatever"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        var newSecret = PlatformCluster.NewSecret();
        await fixture.PublishAsync(caller.ApplicationId, 2, new ClientSecretRotated(caller.ApplicationId, ClientSecrets.Hash(newSecret), Now, null));
        await fixture.WaitForViewAsync<ClientView>(caller.ApplicationId, view => view.SecretVersion == 2);

        // The replica that applied the rotation drops its cached caller right after the write: within a moment,
        // far inside the five-second lifetime.
        var deadline = DateTime.UtcNow.AddSeconds(2);
        HttpStatusCode old;
        do
        {
            using var response = await PostIntrospectionAsync(caller.ClientId, caller.Secret, "whatever");
            old = response.StatusCode;
        }
        while (old != HttpStatusCode.Unauthorized && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.Unauthorized, old);
        using var accepted = await PostIntrospectionAsync(caller.ClientId, newSecret, "whatever");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Introspect_AnotherClientsToken_InactiveAndNothingMore()
    {
        var stranger = await RegisterCallerAsync(allTokens: false);
        var audience = await RegisterCallerAsync(allTokens: false);
        var (tokenId, token) = NewToken();
        var sequence = await fixture.PublishAsync(tokenId, 1, Issued(tokenId, token, "shop-app", audience: audience.ClientId));
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.LastSequence == sequence);

        Assert.Equal("""{"active":false}""", (await IntrospectAsync(stranger, token)).GetRawText());
        Assert.True((await IntrospectAsync(audience, token)).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Introspect_UserToken_UserNameAndCascades()
    {
        var caller = await RegisterCallerAsync();
        var userId = $"user-{Guid.NewGuid():N}";
        var grantId = $"grant-{Guid.NewGuid():N}";
        var (tokenId, token) = NewToken();
        await fixture.PublishAsync(userId, 1, new UserRegistered(userId, "alice", null, Now));
        await fixture.PublishAsync(grantId, 1, new GrantApproved(grantId, "shop-app", userId, "permanent", ["api"], Now));
        await fixture.PublishAsync(tokenId, 1, Issued(tokenId, token, "shop-app", grantId: grantId, subject: userId));
        await fixture.WaitForViewAsync<UserView>(userId, view => view.UserName is not null);
        await fixture.WaitForViewAsync<GrantView>(grantId, view => view.State == GrantState.Valid);
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.ReferenceIdHash is not null);

        Assert.Equal("alice", (await IntrospectAsync(caller, token)).GetProperty("username").GetString());

        await fixture.PublishAsync(userId, 2, new UserDisabled(userId, null, Now));
        await WaitForInactiveAsync(caller, token);
    }

    [Fact]
    public async Task Introspect_HotTokenThenGrantRevoked_InactiveDespiteCache()
    {
        var caller = await RegisterCallerAsync();
        var grantId = $"grant-{Guid.NewGuid():N}";
        var (tokenId, token) = NewToken();
        await fixture.PublishAsync(grantId, 1, new GrantApproved(grantId, "shop-app", "shop", "permanent", ["api"], Now));
        await fixture.PublishAsync(tokenId, 1, Issued(tokenId, token, "shop-app", grantId: grantId));
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.ReferenceIdHash is not null);
        Assert.True((await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean());
        Assert.True((await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean());

        await fixture.PublishAsync(grantId, 2, new GrantRevoked(grantId, RevocationReasons.Admin, Now));

        await WaitForInactiveAsync(caller, token);
    }

    [Fact]
    public async Task Introspect_RefreshTokenThenRedeemed_Inactive()
    {
        // A redemption is not a revocation: it reaches one replica's durable queue, not every replica's cache.
        var caller = await RegisterCallerAsync();
        var (tokenId, token) = NewToken();
        var sequence = await fixture.PublishAsync(tokenId, 1, Issued(tokenId, token, "shop-app", kind: TokenKinds.RefreshToken));
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.LastSequence == sequence);
        Assert.True((await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean());
        Assert.True((await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean());

        var redeemed = await fixture.PublishAsync(tokenId, 2, new TokenRedeemed(tokenId, Now));
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.LastSequence == redeemed);

        Assert.Equal("""{"active":false}""", (await IntrospectAsync(caller, token)).GetRawText());
    }

    [Fact]
    public async Task Introspect_HotTokenThenRevokedTwiceAndIssuanceReplayed_StaysInactive()
    {
        var caller = await RegisterCallerAsync();
        var (tokenId, token) = NewToken();
        var issued = Issued(tokenId, token, "shop-app");
        var sequence = await fixture.PublishAsync(tokenId, 1, issued);
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.LastSequence == sequence);
        Assert.True((await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean());

        var revocation = await fixture.PublishAsync(tokenId, 2, new TokenRevoked(tokenId, RevocationReasons.RevocationRequest, Now));
        await fixture.PublishAsync(tokenId, 2, new TokenRevoked(tokenId, RevocationReasons.RevocationRequest, Now), atSequence: revocation);
        await WaitForInactiveAsync(caller, token);
        await fixture.PublishAsync(tokenId, 1, issued, atSequence: sequence);
        await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.State == TokenState.Revoked);

        Assert.Equal("""{"active":false}""", (await IntrospectAsync(caller, token)).GetRawText());
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("a.b.c")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.e30.AAAA")]
    [InlineData("%%%\u0001")]
    public async Task Introspect_GarbageToken_Inactive(string garbage)
    {
        var caller = await RegisterCallerAsync();

        Assert.Equal("""{"active":false}""", (await IntrospectAsync(caller, garbage)).GetRawText());
    }

    [Fact]
    public async Task Introspect_Get_MethodNotAllowedOAuthError()
    {
        using var response = await fixture.Http.GetAsync("connect/introspect?token=x");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("invalid_request", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Introspect_NoCredentials_Unauthorized()
    {
        using var response = await fixture.Http.PostAsync("connect/introspect",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = "x" }));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task WaitForInactiveAsync((string ApplicationId, string ClientId, string Secret) caller, string token)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean())
        {
            Assert.True(DateTime.UtcNow < deadline, "The token stayed active.");
            await Task.Delay(25);
        }
    }

    /// <summary>
    /// Waits for every token's view, checks that each introspects active but the revoked one, and returns in how many
    /// transactions the views were written (each row's xmin is the transaction that wrote it last: one transaction per
    /// token would give as many as tokens).
    /// </summary>
    private async Task<long> ActiveButTheRevokedAsync((string ApplicationId, string ClientId, string Secret) caller,
        IReadOnlyList<(string Id, string Token)> tokens, string revokedId, string revoked)
    {
        foreach (var (tokenId, _) in tokens)
        {
            await fixture.WaitForViewAsync<TokenView>(tokenId, view => view.ReferenceIdHash is not null);
        }

        foreach (var (tokenId, token) in tokens.Where(token => token.Id != revokedId))
        {
            Assert.True((await IntrospectAsync(caller, token)).GetProperty("active").GetBoolean(), $"Token {tokenId} is not active.");
        }

        Assert.Equal("""{"active":false}""", (await IntrospectAsync(caller, revoked)).GetRawText());
        await using var connection = fixture.ReadModel.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var transactions = new NpgsqlCommand(
            $"SELECT count(DISTINCT xmin::text) FROM {ReadModelStore.Schema}.mt_doc_tokenview WHERE id = ANY($1)", connection);
        transactions.Parameters.Add(new NpgsqlParameter { Value = tokens.Select(token => token.Id).ToArray() });
        return (long)(await transactions.ExecuteScalarAsync())!;
    }

    private static (string Id, string Token) NewToken() => (Guid.CreateVersion7().ToString(), PlatformCluster.NewSecret());

    private static TokenIssued Issued(
        string tokenId, string token, string applicationId, string audience = "demo-api", string? grantId = null, string subject = "shop", string kind = TokenKinds.AccessToken) => new(
        tokenId, kind, applicationId, "shop", grantId, subject, ["api", "documents.read"], [audience],
        Now, Now.AddMinutes(15), null, Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token))), "valid");

    private static ClientRegistered Registered(string applicationId, string clientId, string? secretHash, bool introspection, bool allTokens = false) => new(
        applicationId, clientId, clientId, "confidential", "web", "explicit", [], [],
        [.. introspection ? ["ept:introspection"] : new[] { "ept:token" }, .. allTokens ? new[] { "scp:platform.admin" } : []],
        [], new Dictionary<string, string>(), secretHash, Now);

    private async Task<(string ApplicationId, string ClientId, string Secret)> RegisterCallerAsync(bool allTokens = true)
    {
        var applicationId = $"api-{Guid.NewGuid():N}";
        var secret = PlatformCluster.NewSecret();
        await fixture.PublishAsync(applicationId, 1, Registered(applicationId, applicationId, ClientSecrets.Hash(secret), introspection: true, allTokens));
        await fixture.WaitForViewAsync<ClientView>(applicationId, view => view.SecretHash is not null);
        return (applicationId, applicationId, secret);
    }

    private async Task<JsonElement> IntrospectAsync((string ApplicationId, string ClientId, string Secret) caller, string token)
    {
        using var response = await PostIntrospectionAsync(caller.ClientId, caller.Secret, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<HttpResponseMessage> PostIntrospectionAsync(string clientId, string secret, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "connect/introspect")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        request.Headers.Authorization = PlatformCluster.Basic(clientId, secret);
        return await fixture.Http.SendAsync(request);
    }
}
