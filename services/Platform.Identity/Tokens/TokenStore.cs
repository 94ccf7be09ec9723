using System.Collections.Immutable;
using System.Text.Json;
using Marten;
using Marten.Linq.MatchesSql;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using Platform.Contracts.Events;
using static OpenIddict.Abstractions.OpenIddictConstants;

using Platform.Identity.Storage;

namespace Platform.Identity.Tokens;

/// <summary>
/// OpenIddict's token store on the Marten event store: every write appends to the token's stream (with the
/// stream version the caller read as the expected version), every read comes from the inline projection.
/// </summary>
/// <remarks>
/// A new token is written through <see cref="GroupCommit"/>: the tokens of concurrent requests share one transaction,
/// and each request returns once its own token has committed.
/// </remarks>
public sealed class TokenStore(IDocumentStore documents, GroupCommit newStreams, IOptionsMonitor<OpenIddictCoreOptions> options)
    : ProjectedDocumentStore<Token>(documents, options), IOpenIddictTokenStore<Token>
{
    private const string Concurrency = OpenIddictResources.ID0247;

    public async ValueTask CreateAsync(Token token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);

        // Another component may pre-assign the id (it is the token's jti): keep it.
        token.Id ??= Guid.CreateVersion7().ToString();

        var events = TokenChanges.Issue(token, Now);
        var payload = token.Payload is null ? null : new TokenPayload { Id = token.Id, Payload = token.Payload };
        await EventWrites.ConcurrencyCheckedAsync(newStreams.WriteAsync(session =>
        {
            var stream = session.Events.StartStream<Token>(token.Id, events);
            if (payload is not null)
            {
                session.Store(payload);
            }

            return [stream];
        }, cancellationToken), Concurrency);
        token.Version = 1;
        token.PayloadLoaded = true;
        token.PayloadChanged = false;
    }

    public async ValueTask DeleteAsync(Token token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);

        await using var session = Documents.LightweightSession();
        var stored = await session.LoadCurrentAsync(token, Concurrency, cancellationToken);
        session.AppendExpecting(stored.Id!, stored.Version, [TokenChanges.Prune(stored, Now)]);
        session.Delete<TokenPayload>(stored.Id!);
        await session.SaveAsync(Concurrency, cancellationToken);
    }

    public IAsyncEnumerable<Token> FindAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        Documents.StreamAsync<Token>(tokens => Matching(tokens, subject, client, status, type), cancellationToken);

    public IAsyncEnumerable<Token> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return Documents.StreamAsync<Token>(tokens => tokens.Where(token => token.ApplicationId == identifier), cancellationToken);
    }

    public IAsyncEnumerable<Token> FindByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return Documents.StreamAsync<Token>(tokens => tokens.Where(token => token.AuthorizationId == identifier), cancellationToken);
    }

    public async ValueTask<Token?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        await using var session = Documents.QuerySession();
        return await session.LoadAsync<Token>(identifier, cancellationToken);
    }

    public async ValueTask<Token?> FindByReferenceIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        await using var session = Documents.QuerySession();
        return await session.Query<Token>().FirstOrDefaultAsync(token => token.ReferenceId == identifier, cancellationToken);
    }

    public IAsyncEnumerable<Token> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return Documents.StreamAsync<Token>(tokens => tokens.Where(token => token.Subject == subject), cancellationToken);
    }

    public ValueTask<string?> GetApplicationIdAsync(Token token, CancellationToken cancellationToken) => new(Checked(token).ApplicationId);

    public ValueTask<string?> GetAuthorizationIdAsync(Token token, CancellationToken cancellationToken) => new(Checked(token).AuthorizationId);

    public ValueTask<DateTimeOffset?> GetCreationDateAsync(Token token, CancellationToken cancellationToken) => new(Checked(token).CreationDate);

    public ValueTask<DateTimeOffset?> GetExpirationDateAsync(Token token, CancellationToken cancellationToken) => new(Checked(token).ExpirationDate);

    public ValueTask<string?> GetIdAsync(Token token, CancellationToken cancellationToken) => new(Checked(token).Id);

    public async ValueTask<string?> GetPayloadAsync(Token token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.PayloadLoaded || token.Id is null)
        {
            return token.Payload;
        }

        await using var session = Documents.QuerySession();
        var payload = await session.LoadAsync<TokenPayload>(token.Id, cancellationToken);
        token.Payload = payload?.Payload;
        token.PayloadLoaded = true;
        return token.Payload;
    }

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(Token token, CancellationToken cancellationToken) =>
        new(Checked(token).Properties.ToImmutableDictionary(StringComparer.Ordinal));

    public ValueTask<DateTimeOffset?> GetRedemptionDateAsync(Token token, CancellationToken cancellationToken) => new(Checked(token).RedemptionDate);

    public ValueTask<string?> GetReferenceIdAsync(Token token, CancellationToken cancellationToken) => new(Checked(token).ReferenceId);

    public ValueTask<string?> GetStatusAsync(Token token, CancellationToken cancellationToken) => new(Checked(token).Status);

    public ValueTask<string?> GetSubjectAsync(Token token, CancellationToken cancellationToken) => new(Checked(token).Subject);

    public ValueTask<string?> GetTypeAsync(Token token, CancellationToken cancellationToken) => new(Checked(token).Type);

    // A new instance has no stored payload to load.
    public ValueTask<Token> InstantiateAsync(CancellationToken cancellationToken) => new(new Token { PayloadLoaded = true });

    public IAsyncEnumerable<Token> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        Documents.StreamAsync<Token>(tokens => tokens.OrderBy(token => token.Id).Page(count, offset), cancellationToken);

    /// <summary>
    /// Prunes, as OpenIddict's own stores do, the tokens created before <paramref name="threshold"/> that can no
    /// longer be used: neither valid nor inactive, expired, or under a grant that is no longer valid. Each gets a
    /// <see cref="TokenPruned"/> and loses its live document and payload; its history stays in the store.
    /// </summary>
    public ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        var now = Now;
        var grants = Documents.Options.FindOrResolveDocumentType(typeof(Grants.Grant)).TableName.QualifiedName;
        var unusableGrant = $"d.data ->> 'authorizationId' in (select g.id from {grants} as g where g.data ->> 'status' is distinct from ?)";

        return Documents.AppendToEachAsync<Token>(
            tokens => tokens.Where(token => token.CreationDate < threshold
                && ((token.Status != Statuses.Inactive && token.Status != Statuses.Valid)
                    || token.ExpirationDate < now
                    || token.MatchesSql(unusableGrant, Statuses.Valid))),
            token => [TokenChanges.Prune(token, now)],
            (session, token) => session.Delete<TokenPayload>(token.Id!),
            cancellationToken);
    }

    public ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        RevokeEachAsync(tokens => Matching(tokens, subject, client, status, type), RevocationReasons.Admin, cancellationToken);

    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return RevokeEachAsync(tokens => tokens.Where(token => token.ApplicationId == identifier), RevocationReasons.Admin, cancellationToken);
    }

    public ValueTask<long> RevokeByAuthorizationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return RevokeEachAsync(tokens => tokens.Where(token => token.AuthorizationId == identifier), RevocationReasons.GrantRevoked, cancellationToken);
    }

    public ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return RevokeEachAsync(tokens => tokens.Where(token => token.Subject == subject), RevocationReasons.Admin, cancellationToken);
    }

    public ValueTask SetApplicationIdAsync(Token token, string? identifier, CancellationToken cancellationToken) =>
        Set(token, t => t.ApplicationId = identifier);

    public ValueTask SetAuthorizationIdAsync(Token token, string? identifier, CancellationToken cancellationToken) =>
        Set(token, t => t.AuthorizationId = identifier);

    public ValueTask SetCreationDateAsync(Token token, DateTimeOffset? date, CancellationToken cancellationToken) =>
        Set(token, t => t.CreationDate = date);

    public ValueTask SetExpirationDateAsync(Token token, DateTimeOffset? date, CancellationToken cancellationToken) =>
        Set(token, t => t.ExpirationDate = date);

    public ValueTask SetPayloadAsync(Token token, string? payload, CancellationToken cancellationToken) =>
        Set(token, t =>
        {
            t.PayloadChanged |= !t.PayloadLoaded || !string.Equals(t.Payload, payload, StringComparison.Ordinal);
            t.Payload = payload;
            t.PayloadLoaded = true;
        });

    public ValueTask SetPropertiesAsync(Token token, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) =>
        Set(token, t => t.Properties = Same.Copy(properties));

    public ValueTask SetRedemptionDateAsync(Token token, DateTimeOffset? date, CancellationToken cancellationToken) =>
        Set(token, t => t.RedemptionDate = date);

    public ValueTask SetReferenceIdAsync(Token token, string? identifier, CancellationToken cancellationToken) =>
        Set(token, t => t.ReferenceId = identifier);

    public ValueTask SetStatusAsync(Token token, string? status, CancellationToken cancellationToken) =>
        Set(token, t => t.Status = status);

    public ValueTask SetSubjectAsync(Token token, string? subject, CancellationToken cancellationToken) =>
        Set(token, t => t.Subject = subject);

    public ValueTask SetTypeAsync(Token token, string? type, CancellationToken cancellationToken) =>
        Set(token, t => t.Type = type);

    public async ValueTask UpdateAsync(Token token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);

        await using var session = Documents.LightweightSession();
        var stored = await session.LoadCurrentAsync(token, Concurrency, cancellationToken);
        var events = TokenChanges.Decide(stored, token, RevocationReason.OrDefault(RevocationReasons.RevocationRequest), Now);
        if (events.Count == 0 && !token.PayloadChanged)
        {
            return;
        }

        if (events.Count > 0)
        {
            session.AppendExpecting(stored.Id!, stored.Version, events);
        }

        if (token.PayloadChanged)
        {
            if (token.Payload is null)
            {
                session.Delete<TokenPayload>(stored.Id!);
            }
            else
            {
                session.Store(new TokenPayload { Id = stored.Id!, Payload = token.Payload });
            }
        }

        await session.SaveAsync(Concurrency, cancellationToken);
        token.Version = stored.Version + events.Count;
        token.PayloadChanged = false;
    }

    private ValueTask<long> RevokeEachAsync(Func<IQueryable<Token>, IQueryable<Token>> filter, string defaultReason, CancellationToken cancellationToken)
    {
        var reason = RevocationReason.OrDefault(defaultReason);
        var now = Now;

        // Revoked is final: already revoked tokens are not touched, so they get no second event.
        return Documents.AppendToEachAsync<Token>(
            tokens => filter(tokens).Where(token => token.Status != Statuses.Revoked),
            token => TokenChanges.Revoke(token, reason, now),
            alsoDo: null,
            cancellationToken);
    }

    private static IQueryable<Token> Matching(IQueryable<Token> tokens, string? subject, string? client, string? status, string? type)
    {
        if (!string.IsNullOrEmpty(subject))
        {
            tokens = tokens.Where(token => token.Subject == subject);
        }

        if (!string.IsNullOrEmpty(client))
        {
            tokens = tokens.Where(token => token.ApplicationId == client);
        }

        if (!string.IsNullOrEmpty(status))
        {
            tokens = tokens.Where(token => token.Status == status);
        }

        if (!string.IsNullOrEmpty(type))
        {
            tokens = tokens.Where(token => token.Type == type);
        }

        return tokens;
    }

    private static Token Checked(Token token) => token ?? throw new ArgumentNullException(nameof(token));

    private static ValueTask Set(Token token, Action<Token> change)
    {
        change(Checked(token));
        return ValueTask.CompletedTask;
    }
}
