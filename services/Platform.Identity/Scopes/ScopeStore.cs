using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Core;

using Platform.Identity.Storage;

namespace Platform.Identity.Scopes;

/// <summary>
/// OpenIddict's scope store on the Marten event store: every write appends to the scope's stream (with the
/// stream version the caller read as the expected version), every read comes from the inline projection.
/// </summary>
public sealed class ScopeStore(IDocumentStore documents, IOptionsMonitor<OpenIddictCoreOptions> options, ReadCache<Scope>? cache = null)
    : ProjectedDocumentStore<Scope>(documents, options), IOpenIddictScopeStore<Scope>
{
    private const string Concurrency = OpenIddictResources.ID0245;

    public async ValueTask CreateAsync(Scope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        scope.Id ??= Guid.CreateVersion7().ToString();

        await using var session = Documents.LightweightSession();
        session.Events.StartStream<Scope>(scope.Id, ScopeChanges.Define(scope, Now));
        await session.SaveAsync(Concurrency, cancellationToken);
        cache?.Evict(scope.Name);
        scope.Version = 1;
    }

    public async ValueTask DeleteAsync(Scope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);

        await using var session = Documents.LightweightSession();
        var stored = await session.LoadCurrentAsync(scope, Concurrency, cancellationToken);
        session.AppendExpecting(stored.Id!, stored.Version, [ScopeChanges.Remove(stored, Now)]);
        await session.SaveAsync(Concurrency, cancellationToken);
        cache?.Evict(stored.Name);
        cache?.Evict(scope.Name);
    }

    public async ValueTask<Scope?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        await using var session = Documents.QuerySession();
        return await session.LoadAsync<Scope>(identifier, cancellationToken);
    }

    public async ValueTask<Scope?> FindByNameAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (cache is not null && cache.TryGet(name, out var cached))
        {
            return cached;
        }

        var started = cache?.Now() ?? 0;
        await using var session = Documents.QuerySession();
        var scope = await session.Query<Scope>().FirstOrDefaultAsync(scope => scope.Name == name, cancellationToken);
        if (scope is not null)
        {
            cache?.Set(name, scope, started);
        }

        return scope;
    }

    /// <summary>
    /// The scopes of these names. Token requests ask it twice (validation, then resources); a replica answers
    /// from <see cref="ReadCache{TDocument}"/> when every name is cached, for at most
    /// <see cref="IdentityCacheOptions.LookupLifetime"/>; a name not defined is never cached as absent.
    /// </summary>
    public IAsyncEnumerable<Scope> FindByNamesAsync(ImmutableArray<string> names, CancellationToken cancellationToken)
    {
        if (names.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException(OpenIddictResources.GetResourceString(OpenIddictResources.ID0203), nameof(names));
        }

        return FindByNamesCachedAsync([.. names.Distinct(StringComparer.Ordinal)], cancellationToken);
    }

    private async IAsyncEnumerable<Scope> FindByNamesCachedAsync(string[] wanted, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (cache is { Enabled: true })
        {
            var hits = new List<Scope>(wanted.Length);
            foreach (var name in wanted)
            {
                if (!cache.TryGet(name, out var hit))
                {
                    break;
                }

                hits.Add(hit);
            }

            if (hits.Count == wanted.Length)
            {
                foreach (var hit in hits)
                {
                    yield return hit;
                }

                yield break;
            }
        }

        var started = cache?.Now() ?? 0;
        await foreach (var scope in Documents.StreamAsync<Scope>(scopes => scopes.Where(scope => scope.Name!.IsOneOf(wanted)), cancellationToken))
        {
            if (scope.Name is not null)
            {
                cache?.Set(scope.Name, scope, started);
            }

            yield return scope;
        }
    }

    public IAsyncEnumerable<Scope> FindByResourceAsync(string resource, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        return Documents.StreamAsync<Scope>(scopes => scopes.Where(scope => scope.Resources.Contains(resource)), cancellationToken);
    }

    public ValueTask<string?> GetDescriptionAsync(Scope scope, CancellationToken cancellationToken) => new(Checked(scope).Description);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDescriptionsAsync(Scope scope, CancellationToken cancellationToken) =>
        new(Localized.ToCultures(Checked(scope).Descriptions));

    public ValueTask<string?> GetDisplayNameAsync(Scope scope, CancellationToken cancellationToken) => new(Checked(scope).DisplayName);

    public ValueTask<ImmutableDictionary<CultureInfo, string>> GetDisplayNamesAsync(Scope scope, CancellationToken cancellationToken) =>
        new(Localized.ToCultures(Checked(scope).DisplayNames));

    public ValueTask<string?> GetIdAsync(Scope scope, CancellationToken cancellationToken) => new(Checked(scope).Id);

    public ValueTask<string?> GetNameAsync(Scope scope, CancellationToken cancellationToken) => new(Checked(scope).Name);

    public ValueTask<ImmutableDictionary<string, JsonElement>> GetPropertiesAsync(Scope scope, CancellationToken cancellationToken) =>
        new(Checked(scope).Properties.ToImmutableDictionary(StringComparer.Ordinal));

    public ValueTask<ImmutableArray<string>> GetResourcesAsync(Scope scope, CancellationToken cancellationToken) =>
        new([.. Checked(scope).Resources]);

    public ValueTask<Scope> InstantiateAsync(CancellationToken cancellationToken) => new(new Scope());

    public IAsyncEnumerable<Scope> ListAsync(int? count, int? offset, CancellationToken cancellationToken) =>
        Documents.StreamAsync<Scope>(scopes => scopes.OrderBy(scope => scope.Id).Page(count, offset), cancellationToken);

    public ValueTask SetDescriptionAsync(Scope scope, string? description, CancellationToken cancellationToken) =>
        Set(scope, s => s.Description = description);

    public ValueTask SetDescriptionsAsync(Scope scope, ImmutableDictionary<CultureInfo, string> descriptions, CancellationToken cancellationToken) =>
        Set(scope, s => s.Descriptions = Localized.ToNames(descriptions));

    public ValueTask SetDisplayNameAsync(Scope scope, string? name, CancellationToken cancellationToken) =>
        Set(scope, s => s.DisplayName = name);

    public ValueTask SetDisplayNamesAsync(Scope scope, ImmutableDictionary<CultureInfo, string> names, CancellationToken cancellationToken) =>
        Set(scope, s => s.DisplayNames = Localized.ToNames(names));

    public ValueTask SetNameAsync(Scope scope, string? name, CancellationToken cancellationToken) =>
        Set(scope, s => s.Name = name);

    public ValueTask SetPropertiesAsync(Scope scope, ImmutableDictionary<string, JsonElement> properties, CancellationToken cancellationToken) =>
        Set(scope, s => s.Properties = Same.Copy(properties));

    public ValueTask SetResourcesAsync(Scope scope, ImmutableArray<string> resources, CancellationToken cancellationToken) =>
        Set(scope, s => s.Resources = resources.IsDefault ? [] : [.. resources]);

    public async ValueTask UpdateAsync(Scope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);

        await using var session = Documents.LightweightSession();
        var stored = await session.LoadCurrentAsync(scope, Concurrency, cancellationToken);
        var events = ScopeChanges.Decide(stored, scope, Now);
        if (events.Count == 0)
        {
            return;
        }

        session.AppendExpecting(stored.Id!, stored.Version, events);
        await session.SaveAsync(Concurrency, cancellationToken);
        cache?.Evict(stored.Name);
        cache?.Evict(scope.Name);
        scope.Version = stored.Version + events.Count;
    }

    private static Scope Checked(Scope scope) => scope ?? throw new ArgumentNullException(nameof(scope));

    private static ValueTask Set(Scope scope, Action<Scope> change)
    {
        change(Checked(scope));
        return ValueTask.CompletedTask;
    }
}
