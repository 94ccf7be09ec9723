using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Platform.Identity.Storage;
using Platform.Identity.Clients;
using Platform.Identity.Grants;
using Platform.Identity.Scopes;
using Platform.Identity.Tokens;

namespace Platform.Identity;

/// <summary>
/// Wires the event-sourced OpenIddict stores: the documents and inline projections they read
/// (<see cref="AddIdentityDocuments"/>) and the stores and managers OpenIddict uses (<see cref="UsePlatformStores"/>).
/// </summary>
public static class IdentityStore
{
    /// <summary>
    /// Registers the clients, scopes, grants and tokens documents, their indexes, the token payload document and
    /// the inline projections that keep them. Every service that writes to the store must call it, so that the
    /// schema they migrate agrees.
    /// </summary>
    public static StoreOptions AddIdentityDocuments(this StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        options.Schema.For<Client>()
            .UniqueIndex(UniqueIndexType.Computed, "ux_client_client_id", client => client.ClientId!);
        options.Schema.For<Scope>()
            .UniqueIndex(UniqueIndexType.Computed, "ux_scope_name", scope => scope.Name!);
        options.Schema.For<Grant>()
            .Index(grant => grant.ApplicationId)
            .Index(grant => grant.Subject);
        options.Schema.For<Token>()
            // Unique: the store, not a look-up before the write, is what guarantees one token per reference id
            // (TokenManager skips OpenIddict's look-up for 256-bit random ids; a collision fails the insert).
            .UniqueIndex(UniqueIndexType.Computed, "ux_token_reference_id", token => token.ReferenceId!)
            .Index(token => token.AuthorizationId)
            .Index(token => token.ApplicationId)
            .Index(token => token.Subject);
        options.Schema.For<TokenPayload>();

        // Inline: the documents change in the transaction that appends the events, so OpenIddict reads what it
        // just wrote (a redeemed code is redeemed for the next request, whichever replica serves it).
        options.Projections.Add<ClientProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<ScopeProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<GrantProjection>(ProjectionLifecycle.Inline);
        options.Projections.Add<TokenProjection>(ProjectionLifecycle.Inline);

        return options;
    }

    /// <summary>
    /// Makes OpenIddict use Platform's models and event-sourced stores, <see cref="ClientManager"/> (SHA-256
    /// client secrets) and <see cref="TokenManager"/> (scopes, audiences and presenters recorded on issue).
    /// </summary>
    /// <remarks>
    /// Entity caching stays on: OpenIddict's cache lives for one request scope, every write is checked against
    /// the stored stream version whatever instance it starts from, and a stale cached instance therefore fails
    /// with a concurrency error instead of overwriting a newer state.
    /// </remarks>
    public static OpenIddictCoreBuilder UsePlatformStores(this OpenIddictCoreBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.SetDefaultApplicationEntity<Client>()
            .SetDefaultAuthorizationEntity<Grant>()
            .SetDefaultScopeEntity<Scope>()
            .SetDefaultTokenEntity<Token>()
            .ReplaceApplicationStore<Client, ClientStore>(ServiceLifetime.Scoped)
            .ReplaceAuthorizationStore<Grant, GrantStore>(ServiceLifetime.Scoped)
            .ReplaceScopeStore<Scope, ScopeStore>(ServiceLifetime.Scoped)
            .ReplaceTokenStore<Token, TokenStore>(ServiceLifetime.Scoped)
            .ReplaceApplicationManager<Client, ClientManager>()
            .ReplaceTokenManager<Token, TokenManager>();

        // New tokens of concurrent requests commit together (one transaction each time a writer is free).
        builder.Services.TryAddSingleton<GroupCommit>();

        // Per-replica lookups by client id and scope name (ReadCache): bounded by Platform:Identity:LookupLifetime.
        builder.Services.TryAddSingleton(sp =>
            sp.GetService<IConfiguration>()?.GetSection(IdentityCacheOptions.Section).Get<IdentityCacheOptions>() ?? new IdentityCacheOptions());
        builder.Services.TryAddSingleton(sp => new ReadCache<Client>(sp.GetRequiredService<IdentityCacheOptions>(), client => client.Copy(), sp.GetService<TimeProvider>()));
        builder.Services.TryAddSingleton(sp => new ReadCache<Scope>(sp.GetRequiredService<IdentityCacheOptions>(), scope => scope.Copy(), sp.GetService<TimeProvider>()));

        return builder;
    }
}
