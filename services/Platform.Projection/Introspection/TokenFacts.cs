using System.Text.Json;
using Marten;
using Npgsql;
using Platform.Identity.Tokens;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Introspection;

/// <summary>A token and what its activity depends on: its client, grant and user.</summary>
public sealed record TokenFacts(TokenView Token, ClientView? Client, GrantView? Grant, UserView? User)
{
    public bool IsActive(DateTimeOffset now) => TokenActivity.IsActive(Token, Client, Grant, User, now);
}

/// <summary>The projection's read model: fast, eventually consistent.</summary>
public static class ReadModelTokens
{
    public static async Task<TokenFacts?> FindByHashAsync(IQuerySession session, string referenceIdHash, CancellationToken cancellationToken)
    {
        var token = await session.Query<TokenView>().FirstOrDefaultAsync(view => view.ReferenceIdHash == referenceIdHash, cancellationToken);
        return token is null ? null : await WithCascadesAsync(session, token, cancellationToken);
    }

    public static async Task<TokenFacts?> FindByIdAsync(IQuerySession session, string tokenId, CancellationToken cancellationToken)
    {
        var token = await session.LoadAsync<TokenView>(tokenId, cancellationToken);
        return token is null ? null : await WithCascadesAsync(session, token, cancellationToken);
    }

    private static async Task<TokenFacts> WithCascadesAsync(IQuerySession session, TokenView token, CancellationToken cancellationToken)
    {
        var batch = session.CreateBatchQuery();
        var client = token.ApplicationId is null ? null : batch.Load<ClientView>(token.ApplicationId);
        var grant = token.GrantId is null ? null : batch.Load<GrantView>(token.GrantId);
        var user = token.Subject is null ? null : batch.Load<UserView>(token.Subject);
        await batch.Execute(cancellationToken);
        return new TokenFacts(token,
            client is null ? null : await client,
            grant is null ? null : await grant,
            user is null ? null : await user);
    }
}

/// <summary>
/// The writers' own documents (schema <c>platform</c>, kept inline in the transaction that appends the events):
/// strongly consistent, read-only here, used when this replica cannot show it is fresh or does not know a token.
/// Anything it cannot read counts as not found, so the answer fails closed; but a database outage is no verdict on
/// the token: it goes up to the service's 503 answer (<see cref="ServiceDefaults.DatabaseOutage"/>), so a resource
/// server neither accepts the token nor tells its client to drop it.
/// </summary>
public sealed class WriterTokens(ProjectionDataSource dataSource, ILogger<WriterTokens> logger)
{
    private const string Select = """
        SELECT t.data, c.data, g.data, u.data
        FROM platform.mt_doc_token t
        LEFT JOIN platform.mt_doc_client c ON c.id = t.data ->> 'applicationId'
        LEFT JOIN platform.mt_doc_grant g ON g.id = t.data ->> 'authorizationId'
        LEFT JOIN platform.mt_doc_useraccount u ON u.id = t.data ->> 'subject'
        """;

    public Task<TokenFacts?> FindByHashAsync(string referenceIdHash, CancellationToken cancellationToken) =>
        FindAsync($"{Select} WHERE t.data ->> 'referenceId' = $1", referenceIdHash, cancellationToken);

    public Task<TokenFacts?> FindByIdAsync(string tokenId, CancellationToken cancellationToken) =>
        FindAsync($"{Select} WHERE t.id = $1", tokenId, cancellationToken);

    private async Task<TokenFacts?> FindAsync(string sql, string key, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = dataSource.Value.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = key });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            using var token = JsonDocument.Parse(reader.GetString(0));
            using var client = reader.IsDBNull(1) ? null : JsonDocument.Parse(reader.GetString(1));
            using var grant = reader.IsDBNull(2) ? null : JsonDocument.Parse(reader.GetString(2));
            using var user = reader.IsDBNull(3) ? null : JsonDocument.Parse(reader.GetString(3));
            return Facts(token.RootElement, client?.RootElement, grant?.RootElement, user?.RootElement);
        }
        catch (Exception exception) when (exception is NpgsqlException or JsonException or InvalidOperationException or KeyNotFoundException
                                          && !cancellationToken.IsCancellationRequested && ServiceDefaults.DatabaseOutage.Cause(exception) is null)
        {
            logger.LogWarning(exception, "Cannot read the writers' token documents; the token counts as inactive");
            return null;
        }
    }

    private static TokenFacts Facts(JsonElement token, JsonElement? client, JsonElement? grant, JsonElement? user)
    {
        var view = new TokenView
        {
            Id = token.GetProperty("id").GetString()!,
            State = TokenEvolution.FromStatus(String(token, "status") ?? ""),
            Kind = TokenTypeKinds.ToKind(String(token, "type")),
            ReferenceIdHash = String(token, "referenceId"),
            ApplicationId = String(token, "applicationId"),
            ClientId = String(token, "clientId"),
            GrantId = String(token, "authorizationId"),
            Subject = String(token, "subject"),
            Scopes = Strings(token, "scopes"),
            Audiences = Strings(token, "audiences"),
            IssuedAt = Time(token, "creationDate"),
            ExpiresAt = Time(token, "expirationDate"),
        };
        return new TokenFacts(
            view,
            client is { } c ? new ClientView { Id = view.ApplicationId!, ClientId = String(c, "clientId"), Enabled = Bool(c, "enabled") } : null,
            grant is { } g ? new GrantView
            {
                Id = view.GrantId!,
                State = string.Equals(String(g, "status"), "revoked", StringComparison.OrdinalIgnoreCase) ? GrantState.Revoked : GrantState.Valid,
            } : null,
            user is { } u ? new UserView { Id = view.Subject!, UserName = String(u, "userName"), Enabled = Bool(u, "enabled") } : null);
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement element, string name) =>
        !element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.False;

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetDateTimeOffset() : null;

    private static string[] Strings(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(item => item.GetString()!).ToArray()
            : [];
}
