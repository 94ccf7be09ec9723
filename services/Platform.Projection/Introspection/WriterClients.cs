using System.Text.Json;
using Npgsql;
using Platform.Identity.Clients;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Introspection;

/// <summary>
/// The writers' client documents (schema <c>platform</c>), for an introspection caller the read model does not
/// know yet (registered a moment ago: its event is still on the way) or whose secret the read model does not
/// accept (rotated a moment ago, or the previous secret within its overlap, which only the writers' document
/// holds). Read-only; anything unreadable counts as not found, so the caller is refused, except a database outage,
/// which is not the caller's fault and answers 503 (<see cref="ServiceDefaults.DatabaseOutage"/>).
/// </summary>
public sealed class WriterClients(ProjectionDataSource dataSource, TimeProvider time, ILogger<WriterClients> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The caller as the writers know it, when the secret is its current one or its previous one within the overlap.</summary>
    public async Task<ClientView?> AuthenticateAsync(string clientId, string secret, CancellationToken cancellationToken)
    {
        Client? client;
        try
        {
            await using var command = dataSource.Value.CreateCommand("SELECT data FROM platform.mt_doc_client WHERE data ->> 'clientId' = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = clientId });
            var data = await command.ExecuteScalarAsync(cancellationToken) as string;
            client = data is null ? null : JsonSerializer.Deserialize<Client>(data, Json);
        }
        catch (Exception exception) when (exception is NpgsqlException or JsonException && !cancellationToken.IsCancellationRequested
                                          && ServiceDefaults.DatabaseOutage.Cause(exception) is null)
        {
            logger.LogWarning(exception, "Cannot read the writers' client documents; the introspection caller is refused");
            return null;
        }

        if (client?.Id is null
            || !(ClientSecrets.Verify(secret, client.ClientSecret) || ClientSecrets.VerifyPrevious(secret, client, time.GetUtcNow())))
        {
            return null;
        }

        return new ClientView
        {
            Id = client.Id,
            ClientId = client.ClientId,
            SecretHash = client.ClientSecret,
            Enabled = client.Enabled,
            Permissions = [.. client.Permissions],
        };
    }
}
