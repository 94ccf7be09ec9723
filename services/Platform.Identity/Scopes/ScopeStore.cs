using System.Collections.Immutable;
using System.Globalization;
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
public sealed class ScopeStore(IDocumentStore documents, IOptionsMonitor<OpenIddictCoreOptions> options)
    : IOpenIddictScopeStore<Scope>
{
    private const string Concurrency = OpenIddictResources.ID0245;

    private DateTimeOffset Now => (options.CurrentValue.TimeProvider ?? TimeProvider.System).GetUtcNow();

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var session = documents.QuerySession();
        return await session.Query<Scope>().LongCountAsync(cancellationToken);
    }

    public async ValueTask<long> CountAsync<TResult>(Func<IQueryable<Scope>, IQueryable<TResult>> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var session = documents.QuerySession();
        return await Queries.CountAsync(query(session.Query<Scope>()), cancellationToken);
    }

    public async ValueTask CreateAsync(Scope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        scope.Id ??= Guid.CreateVersion7().ToString();

        await using var session = documents.LightweightSession();
        session.Events.StartStream<Scope>(scope.Id, ScopeChanges.Define(scope, Now));
        await session.SaveAsync(Concurrency, cancellationToken);
        scope.Version = 1;
    }

    public async ValueTask DeleteAsync(Scope scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);

        await using var session = documents.LightweightSession();
        var stored = await session.LoadCurrentAsync(scope, Concurrency, cancellationToken);
        session.AppendExpecting(stored.Id!, stored.Version, [ScopeChanges.Remove(stored, Now)]);
        await session.SaveAsync(Concurrency, cancellationToken);
    }

    public async ValueTask<Scope?> FindByIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        await using var session = documents.QuerySession();
        return await session.LoadAsync<Scope>(identifier, cancellationToken);
    }

    public async ValueTask<Scope?> FindByNameAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        await using var session = documents.QuerySession();
        return await session.Query<Scope>().FirstOrDefaultAsync(scope => scope.Name == name, cancellationToken);
    }

    public IAsyncEnumerable<Scope> FindByNamesAsync(ImmutableArray<string> names, CancellationToken cancellationToken)
    {
        if (names.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException(OpenIddictResources.GetResourceString(OpenIddictResources.ID0203), nameof(names));
        }

        string[] wanted = [.. names];
        return documents.StreamAsync<Scope>(scopes => scopes.Where(scope => scope.Name!.IsOneOf(wanted)), cancellationToken);
    }

    public IAsyncEnumerable<Scope> FindByResourceAsync(string resource, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(resource);
        return documents.StreamAsync<Scope>(scopes => scopes.Where(scope => scope.Resources.Contains(resource)), cancellationToken);
    }

    public async ValueTask<TResult?> GetAsync<TState, TResult>(
        Func<IQueryable<Scope>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var session = documents.QuerySession();
        return await Queries.FirstOrDefaultAsync(query(session.Query<Scope>(), state), cancellationToken);
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
        documents.StreamAsync<Scope>(scopes => scopes.OrderBy(scope => scope.Id).Page(count, offset), cancellationToken);

    public IAsyncEnumerable<TResult> ListAsync<TState, TResult>(
        Func<IQueryable<Scope>, TState, IQueryable<TResult>> query, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return documents.StreamAsync<Scope, TResult>(scopes => query(scopes, state), cancellationToken);
    }

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

        await using var session = documents.LightweightSession();
        var stored = await session.LoadCurrentAsync(scope, Concurrency, cancellationToken);
        var events = ScopeChanges.Decide(stored, scope, Now);
        if (events.Count == 0)
        {
            return;
        }

        session.AppendExpecting(stored.Id!, stored.Version, events);
        await session.SaveAsync(Concurrency, cancellationToken);
        scope.Version = stored.Version + events.Count;
    }

    private static Scope Checked(Scope scope) => scope ?? throw new ArgumentNullException(nameof(scope));

    private static ValueTask Set(Scope scope, Action<Scope> change)
    {
        change(Checked(scope));
        return ValueTask.CompletedTask;
    }
}
