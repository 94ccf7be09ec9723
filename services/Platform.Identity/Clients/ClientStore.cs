using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Core;
using Platform.Identity.Grants;
using Platform.Identity.Tokens;

using Platform.Identity.Storage;

namespace Platform.Identity.Clients;

/// <summary>
/// OpenIddict's application store on the Marten event store: every write appends to the client's stream (with
/// the stream version the caller read as the expected version), every read comes from the inline projection.
/// </summary>
public sealed class ClientStore(IDocumentStore documents, IOptionsMonitor<OpenIddictCoreOptions> options, ReadCache<Client>? cache = null)
    : ProjectedDocumentStore<Client>(documents, options), IOpenIddictApplicationStore<Client>
{
    private const string Concurrency = OpenIddictResources.ID0239;

    public async ValueTask CreateAsync(Client application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        application.Id ??= Guid.CreateVersion7().ToString();

        await using var session = Documents.LightweightSession();
        session.Events.StartStream<Client>(application.Id, ClientChanges.Register(application, Now));
        await session.SaveAsync(Concurrency, cancellationToken);
        cache?.Evict(application.ClientId);
        application.Version = 1;
        application.Enabled = true;
    }

    /// <summary>
    /// Deletes the client as OpenIddict's own stores do, with its grants and tokens: each token and grant is
    /// pruned (so a token of a deleted client no longer validates), then the client gets <c>ClientDeleted</c>.
    /// </summary>
    public async ValueTask DeleteAsync(Client application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);
        ArgumentException.ThrowIfNullOrEmpty(application.Id);

        var id = application.Id;
        var now = Now;
        await Documents.AppendToEachAsync<Token>(
            tokens => tokens.Where(token => token.ApplicationId == id),
            token => [TokenChanges.Prune(token, now)],
            (session, token) => session.Delete<TokenPayload>(token.Id!),
            cancellationToken);
        await Documents.AppendToEachAsync<Grant>(
            grants => grants.Where(grant => grant.ApplicationId == id),
            grant => [GrantChanges.Prune(grant, now)],
            alsoDo: null,
            cancellationToken);

        await using var session = Documents.LightweightSession();
        var stored = await session.LoadCurrentAsync(application, Concurrency, cancellationToken);
        session.AppendExpecting(id, stored.Version, [ClientChanges.Delete(stored, now)]);
        await session.SaveAsync(Concurrency, cancellationToken);
        cache?.Evict(stored.ClientId);
        cache?.Evict(application.ClientId);
    }

    public async ValueTask<Client?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        await using var session = Documents.QuerySession();
        return await session.LoadAsync<Client>(identifier, cancellationToken);
    }

    /// <summary>
    /// Finds an enabled client: a disabled client cannot authenticate, so it is not found by client id. Every
    /// token request asks this first; a replica answers it from <see cref="ReadCache{TDocument}"/> for at most
    /// <see cref="IdentityCacheOptions.LookupLifetime"/> (5 s), the bound on how long a client disabled or a secret
    /// rotated on another replica keeps working here, and how long an id found missing here stays missing though
    /// another replica registered it meanwhile.
    /// </summary>
    public async ValueTask<Client?> FindByClientIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        if (identifier.Contains('\0', StringComparison.Ordinal))
        {
            // PostgreSQL text cannot hold NUL (the query would fail with 22021): no client has such an id.
            return null;
        }

        if (cache is not null && cache.TryGet(identifier, out var cached))
        {
            return cached;
        }

        // An unknown id is answered from memory as a known one is, so the answer's timing does not tell them apart.
        if (cache is not null && cache.IsMissing(identifier))
        {
            return null;
        }

        var started = cache?.Now() ?? 0;
        await using var session = Documents.QuerySession();
        var client = await session.Query<Client>().FirstOrDefaultAsync(client => client.ClientId == identifier && client.Enabled, cancellationToken);
        if (client is not null)
        {
            cache?.Set(identifier, client, started);
        }
        else
        {
            cache?.SetMissing(identifier, started);
        }

        return client;
    }

    public IAsyncEnumerable<Client> FindByPostLogoutRedirectUriAsync(string uri, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        return Documents.StreamAsync<Client>(clients => clients.Where(client => client.Enabled && client.PostLogoutRedirectUris.Contains(uri)), cancellationToken);
    }

    public IAsyncEnumerable<Client> FindByRedirectUriAsync(string uri, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        return Documents.StreamAsync<Client>(clients => clients.Where(client => client.Enabled && client.RedirectUris.Contains(uri)), cancellationToken);
    }

    public ValueTask<string?> GetApplicationTypeAsync(Client application, CancellationToken cancellationToken) => new(Checked(application).ApplicationType);

    public ValueTask<string?> GetClientIdAsync(Client application, CancellationToken cancellationToken) => new(Checked(application).ClientId);

    public ValueTask<string?> GetClientSecretAsync(Client application, CancellationToken cancellationToken) => new(Checked(application).ClientSecret);

    public ValueTask<string?> GetClientTypeAsync(Client application, CancellationToken cancellationToken) => new(Checked(application).ClientType);

    public ValueTask<string?> GetConsentTypeAsync(Client application, CancellationToken cancellationToken) => new(Checked(application).ConsentType);

    public ValueTask<string?> GetDisplayNameAsync(Client application, CancellationToken cancellationToken) => new(Checked(application).DisplayName);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(Client application, CancellationToken cancellationToken) =>
        new(Localized.ToCultures(Checked(application).DisplayNames));

    public ValueTask<string?> GetIdAsync(Client application, CancellationToken cancellationToken) => new(Checked(application).Id);

    public ValueTask<JsonWebKeySet?> GetJsonWebKeySetAsync(Client application, CancellationToken cancellationToken) =>
        new(string.IsNullOrEmpty(Checked(application).JsonWebKeySet) ? null : JsonWebKeySet.Create(application.JsonWebKeySet));

    public ValueTask<ImmutableArray<string>> GetPermissionsAsync(Client application, CancellationToken cancellationToken) =>
        new([.. Checked(application).Permissions]);

    public ValueTask<ImmutableArray<string>> GetPostLogoutRedirectUrisAsync(Client application, CancellationToken cancellationToken) =>
        new([.. Checked(application).PostLogoutRedirectUris]);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(Client application, CancellationToken cancellationToken) =>
        new(Checked(application).Properties.ToImmutableDictionary(StringComparer.Ordinal));

    public ValueTask<ImmutableArray<string>> GetRedirectUrisAsync(Client application, CancellationToken cancellationToken) =>
        new([.. Checked(application).RedirectUris]);

    public ValueTask<ImmutableArray<string>> GetRequirementsAsync(Client application, CancellationToken cancellationToken) =>
        new([.. Checked(application).Requirements]);

    public ValueTask<ImmutableDictionary<string, string>> GetSettingsAsync(Client application, CancellationToken cancellationToken) =>
        new(Checked(application).Settings.ToImmutableDictionary(StringComparer.Ordinal));

    public ValueTask<Client> InstantiateAsync(CancellationToken cancellationToken) => new(new Client());

    public IAsyncEnumerable<Client> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        Documents.StreamAsync<Client>(clients => clients.OrderBy(client => client.Id).Page(count, offset), cancellationToken);

    public ValueTask SetApplicationTypeAsync(Client application, string? type, CancellationToken cancellationToken) =>
        Set(application, a => a.ApplicationType = type);

    public ValueTask SetClientIdAsync(Client application, string? identifier, CancellationToken cancellationToken) =>
        Set(application, a => a.ClientId = identifier);

    public ValueTask SetClientSecretAsync(Client application, string? secret, CancellationToken cancellationToken) =>
        Set(application, a => a.ClientSecret = secret);

    public ValueTask SetClientTypeAsync(Client application, string? type, CancellationToken cancellationToken) =>
        Set(application, a => a.ClientType = type);

    public ValueTask SetConsentTypeAsync(Client application, string? type, CancellationToken cancellationToken) =>
        Set(application, a => a.ConsentType = type);

    public ValueTask SetDisplayNameAsync(Client application, string? name, CancellationToken cancellationToken) =>
        Set(application, a => a.DisplayName = name);

    public ValueTask SetDisplayNamesAsync(Client application, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken) =>
        Set(application, a => a.DisplayNames = Localized.ToNames(names));

    public ValueTask SetJsonWebKeySetAsync(Client application, JsonWebKeySet? set, CancellationToken cancellationToken) =>
        Set(application, a => a.JsonWebKeySet = set is null ? null : JsonSerializer.Serialize(set));

    public ValueTask SetPermissionsAsync(Client application, ImmutableArray<string> permissions, CancellationToken cancellationToken) =>
        Set(application, a => a.Permissions = permissions.IsDefault ? [] : [.. permissions]);

    public ValueTask SetPostLogoutRedirectUrisAsync(Client application, ImmutableArray<string> uris, CancellationToken cancellationToken) =>
        Set(application, a => a.PostLogoutRedirectUris = uris.IsDefault ? [] : [.. uris]);

    public ValueTask SetPropertiesAsync(Client application, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) =>
        Set(application, a => a.Properties = Same.Copy(properties));

    public ValueTask SetRedirectUrisAsync(Client application, ImmutableArray<string> uris, CancellationToken cancellationToken) =>
        Set(application, a => a.RedirectUris = uris.IsDefault ? [] : [.. uris]);

    public ValueTask SetRequirementsAsync(Client application, ImmutableArray<string> requirements, CancellationToken cancellationToken) =>
        Set(application, a => a.Requirements = requirements.IsDefault ? [] : [.. requirements]);

    public ValueTask SetSettingsAsync(Client application, ImmutableDictionary<string, string> settings, CancellationToken cancellationToken) =>
        Set(application, a => a.Settings = settings.ToDictionary(StringComparer.Ordinal));

    public async ValueTask UpdateAsync(Client application, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(application);

        await using var session = Documents.LightweightSession();
        var stored = await session.LoadCurrentAsync(application, Concurrency, cancellationToken);
        var events = ClientChanges.Decide(stored, application, Now);
        if (events.Count == 0)
        {
            return;
        }

        session.AppendExpecting(stored.Id!, stored.Version, events);
        await session.SaveAsync(Concurrency, cancellationToken);
        cache?.Evict(stored.ClientId);
        cache?.Evict(application.ClientId);
        application.Version = stored.Version + events.Count;
        application.Enabled = stored.Enabled;
    }

    private static Client Checked(Client application) => application ?? throw new ArgumentNullException(nameof(application));

    private static ValueTask Set(Client application, Action<Client> change)
    {
        change(Checked(application));
        return ValueTask.CompletedTask;
    }
}
