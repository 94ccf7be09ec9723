using Marten;
using OpenIddict.Abstractions;
using Platform.Identity.Clients;
using Platform.Identity.Storage;
using Platform.Identity.Tokens;

namespace Platform.Authorization.Clients;

/// <summary>
/// The admin side's reads and writes of clients that are not OpenIddict operations: finding a client whether
/// or not it is enabled (OpenIddict's look-up skips disabled ones), appending an admin event with the stream
/// version it was decided from, and revoking a client's tokens with a recorded reason.
/// </summary>
public sealed class ClientAdministration(IDocumentStore documents, ReadCache<Client> cache, IOpenIddictTokenManager tokens, TimeProvider time)
{
    private const string Concurrency = OpenIddictResources.ID0239;

    public DateTimeOffset Now => time.GetUtcNow();

    public async Task<Client?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        await using var session = documents.QuerySession();
        return await session.Query<Client>().FirstOrDefaultAsync(client => client.ClientId == clientId, cancellationToken);
    }

    public async Task<IReadOnlyList<Client>> ListAsync(CancellationToken cancellationToken)
    {
        await using var session = documents.QuerySession();
        return await session.Query<Client>().OrderBy(client => client.ClientId).ToListAsync(cancellationToken);
    }

    /// <summary>Appends <paramref name="event"/> to the client's stream if it is still at the version it was decided from;
    /// otherwise OpenIddict's <see cref="OpenIddictExceptions.ConcurrencyException"/>.</summary>
    public async Task AppendAsync(Client client, object @event, CancellationToken cancellationToken)
    {
        await using var session = documents.LightweightSession();
        session.AppendExpecting(client.Id!, client.Version, [@event]);
        await session.SaveAsync(Concurrency, cancellationToken);
        cache.Evict(client.ClientId);
    }

    /// <summary>Revokes every token of the client that is not revoked yet, each with a <c>TokenRevoked</c> naming <paramref name="reason"/>.</summary>
    public async Task<long> RevokeTokensAsync(Client client, string reason, CancellationToken cancellationToken)
    {
        using (RevocationReason.Use(reason))
        {
            return await tokens.RevokeByApplicationIdAsync(client.Id!, cancellationToken);
        }
    }
}
