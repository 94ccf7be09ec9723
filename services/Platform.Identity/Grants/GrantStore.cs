using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Marten;
using Marten.Linq.MatchesSql;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using Platform.Contracts.Events;
using Platform.Identity.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

using Platform.Identity.Storage;

namespace Platform.Identity.Grants;

/// <summary>
/// OpenIddict's authorization store on the Marten event store: every write appends to the grant's stream (with
/// the stream version the caller read as the expected version), every read comes from the inline projection.
/// </summary>
public sealed class GrantStore(IDocumentStore documents, IOptionsMonitor<OpenIddictCoreOptions> options)
    : ProjectedDocumentStore<Grant>(documents, options), IOpenIddictAuthorizationStore<Grant>
{
    private const string Concurrency = OpenIddictResources.ID0241;

    public async ValueTask CreateAsync(Grant authorization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        authorization.Id ??= Guid.CreateVersion7().ToString();

        var now = Now;
        var events = GrantChanges.Approve(authorization, RevocationReason.OrDefault(RevocationReasons.Admin), now);
        await using var session = Documents.LightweightSession();
        session.Events.StartStream<Grant>(authorization.Id, events);
        await session.SaveAsync(Concurrency, cancellationToken);
        authorization.Version = events.Count;
        authorization.CreationDate ??= now;
    }

    /// <summary>
    /// Deletes the grant as OpenIddict's own stores do, with its tokens: each token is pruned (so it no longer
    /// validates), then the grant gets <c>GrantPruned</c>. The history of all of them stays in the store.
    /// </summary>
    public async ValueTask DeleteAsync(Grant authorization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        ArgumentException.ThrowIfNullOrEmpty(authorization.Id);

        var id = authorization.Id;
        var now = Now;
        await Documents.AppendToEachAsync<Token>(
            tokens => tokens.Where(token => token.AuthorizationId == id),
            token => [TokenChanges.Prune(token, now)],
            (session, token) => session.Delete<TokenPayload>(token.Id!),
            cancellationToken);

        await using var session = Documents.LightweightSession();
        var stored = await session.LoadCurrentAsync(authorization, Concurrency, cancellationToken);
        session.AppendExpecting(id, stored.Version, [GrantChanges.Prune(stored, now)]);
        await session.SaveAsync(Concurrency, cancellationToken);
    }

    public IAsyncEnumerable<Grant> FindAsync(
        string? subject, string? client, string? status, string? type, ImmutableArray<string>? scopes, CancellationToken cancellationToken)
    {
        var found = Documents.StreamAsync<Grant>(grants => Matching(grants, subject, client, status, type), cancellationToken);
        return scopes is { IsDefaultOrEmpty: false } required ? WithScopes(found, required, cancellationToken) : found;

        // Marten cannot translate "contains all of these", and the candidates are one subject's grants for one client.
        static async IAsyncEnumerable<Grant> WithScopes(
            IAsyncEnumerable<Grant> grants, ImmutableArray<string> required, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var grant in grants.WithCancellation(cancellationToken))
            {
                if (required.All(scope => grant.Scopes.Contains(scope, StringComparer.Ordinal)))
                {
                    yield return grant;
                }
            }
        }
    }

    public IAsyncEnumerable<Grant> FindByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return Documents.StreamAsync<Grant>(grants => grants.Where(grant => grant.ApplicationId == identifier), cancellationToken);
    }

    public async ValueTask<Grant?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        await using var session = Documents.QuerySession();
        return await session.LoadAsync<Grant>(identifier, cancellationToken);
    }

    public IAsyncEnumerable<Grant> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return Documents.StreamAsync<Grant>(grants => grants.Where(grant => grant.Subject == subject), cancellationToken);
    }

    public ValueTask<string?> GetApplicationIdAsync(Grant authorization, CancellationToken cancellationToken) => new(Checked(authorization).ApplicationId);

    public ValueTask<DateTimeOffset?> GetCreationDateAsync(Grant authorization, CancellationToken cancellationToken) => new(Checked(authorization).CreationDate);

    public ValueTask<string?> GetIdAsync(Grant authorization, CancellationToken cancellationToken) => new(Checked(authorization).Id);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(Grant authorization, CancellationToken cancellationToken) =>
        new(Checked(authorization).Properties.ToImmutableDictionary(StringComparer.Ordinal));

    public ValueTask<ImmutableArray<string>> GetScopesAsync(Grant authorization, CancellationToken cancellationToken) =>
        new([.. Checked(authorization).Scopes]);

    public ValueTask<string?> GetStatusAsync(Grant authorization, CancellationToken cancellationToken) => new(Checked(authorization).Status);

    public ValueTask<string?> GetSubjectAsync(Grant authorization, CancellationToken cancellationToken) => new(Checked(authorization).Subject);

    public ValueTask<string?> GetTypeAsync(Grant authorization, CancellationToken cancellationToken) => new(Checked(authorization).Type);

    public ValueTask<Grant> InstantiateAsync(CancellationToken cancellationToken) => new(new Grant());

    public IAsyncEnumerable<Grant> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        Documents.StreamAsync<Grant>(grants => grants.OrderBy(grant => grant.Id).Page(count, offset), cancellationToken);

    /// <summary>
    /// Prunes, as OpenIddict's own stores do, the grants created before <paramref name="threshold"/> that are no
    /// longer valid, or are ad-hoc and have no token left. Each gets <see cref="GrantPruned"/> and loses its live
    /// document; its history stays in the store.
    /// </summary>
    public ValueTask<long> PruneAsync(DateTimeOffset threshold, CancellationToken cancellationToken)
    {
        var now = Now;
        var tokens = Documents.Options.FindOrResolveDocumentType(typeof(Token)).TableName.QualifiedName;
        var noToken = $"not exists (select 1 from {tokens} as t where t.data ->> 'authorizationId' = d.id)";

        return Documents.AppendToEachAsync<Grant>(
            grants => grants.Where(grant => grant.CreationDate < threshold
                && (grant.Status != Statuses.Valid || (grant.Type == AuthorizationTypes.AdHoc && grant.MatchesSql(noToken)))),
            grant => [GrantChanges.Prune(grant, now)],
            alsoDo: null,
            cancellationToken);
    }

    public ValueTask<long> RevokeAsync(string? subject, string? client, string? status, string? type, CancellationToken cancellationToken) =>
        RevokeEachAsync(grants => Matching(grants, subject, client, status, type), cancellationToken);

    public ValueTask<long> RevokeByApplicationIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        return RevokeEachAsync(grants => grants.Where(grant => grant.ApplicationId == identifier), cancellationToken);
    }

    public ValueTask<long> RevokeBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        return RevokeEachAsync(grants => grants.Where(grant => grant.Subject == subject), cancellationToken);
    }

    public ValueTask SetApplicationIdAsync(Grant authorization, string? identifier, CancellationToken cancellationToken) =>
        Set(authorization, a => a.ApplicationId = identifier);

    public ValueTask SetCreationDateAsync(Grant authorization, DateTimeOffset? date, CancellationToken cancellationToken) =>
        Set(authorization, a => a.CreationDate = date);

    public ValueTask SetPropertiesAsync(Grant authorization, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) =>
        Set(authorization, a => a.Properties = Same.Copy(properties));

    public ValueTask SetScopesAsync(Grant authorization, ImmutableArray<string> scopes, CancellationToken cancellationToken) =>
        Set(authorization, a => a.Scopes = scopes.IsDefault ? [] : [.. scopes]);

    public ValueTask SetStatusAsync(Grant authorization, string? status, CancellationToken cancellationToken) =>
        Set(authorization, a => a.Status = status);

    public ValueTask SetSubjectAsync(Grant authorization, string? subject, CancellationToken cancellationToken) =>
        Set(authorization, a => a.Subject = subject);

    public ValueTask SetTypeAsync(Grant authorization, string? type, CancellationToken cancellationToken) =>
        Set(authorization, a => a.Type = type);

    public async ValueTask UpdateAsync(Grant authorization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorization);

        await using var session = Documents.LightweightSession();
        var stored = await session.LoadCurrentAsync(authorization, Concurrency, cancellationToken);
        var events = GrantChanges.Decide(stored, authorization, RevocationReason.OrDefault(RevocationReasons.Admin), Now);
        if (events.Count == 0)
        {
            return;
        }

        session.AppendExpecting(stored.Id!, stored.Version, events);
        await session.SaveAsync(Concurrency, cancellationToken);
        authorization.Version = stored.Version + events.Count;
    }

    private ValueTask<long> RevokeEachAsync(Func<IQueryable<Grant>, IQueryable<Grant>> filter, CancellationToken cancellationToken)
    {
        var reason = RevocationReason.OrDefault(RevocationReasons.Admin);
        var now = Now;

        // Revoked is final: already revoked grants are not touched, so they get no second event.
        return Documents.AppendToEachAsync<Grant>(
            grants => filter(grants).Where(grant => grant.Status != Statuses.Revoked),
            grant => GrantChanges.Revoke(grant, reason, now),
            alsoDo: null,
            cancellationToken);
    }

    private static IQueryable<Grant> Matching(IQueryable<Grant> grants, string? subject, string? client, string? status, string? type)
    {
        if (!string.IsNullOrEmpty(subject))
        {
            grants = grants.Where(grant => grant.Subject == subject);
        }

        if (!string.IsNullOrEmpty(client))
        {
            grants = grants.Where(grant => grant.ApplicationId == client);
        }

        if (!string.IsNullOrEmpty(status))
        {
            grants = grants.Where(grant => grant.Status == status);
        }

        if (!string.IsNullOrEmpty(type))
        {
            grants = grants.Where(grant => grant.Type == type);
        }

        return grants;
    }

    private static Grant Checked(Grant authorization) => authorization ?? throw new ArgumentNullException(nameof(authorization));

    private static ValueTask Set(Grant authorization, Action<Grant> change)
    {
        change(Checked(authorization));
        return ValueTask.CompletedTask;
    }
}
