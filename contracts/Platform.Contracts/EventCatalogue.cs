using System.Collections.Frozen;
using Platform.Contracts.Events;

namespace Platform.Contracts;

/// <summary>
/// Every event of the store with its stored name. The stored name is what the event store and the bus
/// know an event by; it never changes when a type is renamed or moved. Changes are additive only: a
/// breaking change is a new <c>...V2</c> event with an upcaster, never an edit of a name here.
/// </summary>
public static class EventCatalogue
{
    /// <summary>All events, each with its pinned stored name and the kind of stream it belongs to.</summary>
    public static IReadOnlyList<EventDefinition> All { get; } =
    [
        new(typeof(ClientRegistered), "client_registered", StreamKinds.Client),
        new(typeof(ClientUpdated), "client_updated", StreamKinds.Client),
        new(typeof(ClientSecretRotated), "client_secret_rotated", StreamKinds.Client),
        new(typeof(ClientSecretRemoved), "client_secret_removed", StreamKinds.Client),
        new(typeof(ClientDisabled), "client_disabled", StreamKinds.Client),
        new(typeof(ClientEnabled), "client_enabled", StreamKinds.Client),
        new(typeof(ClientDeleted), "client_deleted", StreamKinds.Client),

        new(typeof(ScopeDefined), "scope_defined", StreamKinds.Scope),
        new(typeof(ScopeRemoved), "scope_removed", StreamKinds.Scope),

        new(typeof(UserRegistered), "user_registered", StreamKinds.User),
        new(typeof(UserProfileUpdated), "user_profile_updated", StreamKinds.User),
        new(typeof(UserPasswordChanged), "user_password_changed", StreamKinds.User),
        new(typeof(UserSignedIn), "user_signed_in", StreamKinds.User),
        new(typeof(UserSignedOut), "user_signed_out", StreamKinds.User),
        new(typeof(UserSignInFailed), "user_sign_in_failed", StreamKinds.User),
        new(typeof(UserLockedOut), "user_locked_out", StreamKinds.User),
        new(typeof(UserUnlocked), "user_unlocked", StreamKinds.User),
        new(typeof(UserDisabled), "user_disabled", StreamKinds.User),
        new(typeof(UserEnabled), "user_enabled", StreamKinds.User),

        new(typeof(GrantApproved), "grant_approved", StreamKinds.Grant),
        new(typeof(GrantRevoked), "grant_revoked", StreamKinds.Grant),
        new(typeof(GrantUpdated), "grant_updated", StreamKinds.Grant),
        new(typeof(GrantPruned), "grant_pruned", StreamKinds.Grant),

        // Almost every event under load (a token per client_credentials request): relayed in pages.
        new(typeof(TokenIssued), "token_issued", StreamKinds.Token, Paged: true),
        new(typeof(TokenRedeemed), "token_redeemed", StreamKinds.Token),
        new(typeof(TokenRevoked), "token_revoked", StreamKinds.Token),
        new(typeof(TokenStatusChanged), "token_status_changed", StreamKinds.Token),
        new(typeof(TokenReferenceAttached), "token_reference_attached", StreamKinds.Token),
        new(typeof(TokenExpirationChanged), "token_expiration_changed", StreamKinds.Token),
        new(typeof(TokenUpdated), "token_updated", StreamKinds.Token),
        new(typeof(TokenPruned), "token_pruned", StreamKinds.Token),
    ];

    private static readonly FrozenDictionary<Type, EventDefinition> ByType = All.ToFrozenDictionary(e => e.Type);
    private static readonly FrozenDictionary<string, EventDefinition> ByName = All.ToFrozenDictionary(e => e.StoredName);

    /// <summary>The events that belong to streams of one kind.</summary>
    /// <param name="kind">One of <see cref="StreamKinds"/>.</param>
    public static IEnumerable<EventDefinition> OfStreamKind(string kind) => All.Where(e => e.StreamKind == kind);

    /// <summary>The definition of an event type.</summary>
    /// <param name="type">An event type of the catalogue.</param>
    /// <exception cref="ArgumentException">The type is not an event of the catalogue.</exception>
    public static EventDefinition Of(Type type) =>
        ByType.TryGetValue(type, out var definition)
            ? definition
            : throw new ArgumentException($"{type.FullName} is not in the event catalogue.", nameof(type));

    /// <summary>Finds an event definition by its stored name.</summary>
    /// <param name="storedName">The pinned stored name.</param>
    /// <param name="definition">The definition, when found.</param>
    public static bool TryFind(string storedName, out EventDefinition definition) =>
        ByName.TryGetValue(storedName, out definition!);
}

/// <summary>One event of the catalogue.</summary>
/// <param name="Type">The record type.</param>
/// <param name="StoredName">The stable name the store and the bus use.</param>
/// <param name="StreamKind">The kind of stream it is appended to (one of <see cref="StreamKinds"/>).</param>
/// <param name="Paged">
/// Whether the relay publishes several of these events from one of its pages as one <see cref="EventPage{TEvent}"/>
/// (on the exchange <c>platform.&lt;stored name&gt;.page</c>) rather than one <see cref="EventEnvelope{TEvent}"/> each. A lone
/// one still travels as an envelope, so a consumer of a paged event consumes both.
/// </param>
public sealed record EventDefinition(Type Type, string StoredName, string StreamKind, bool Paged = false);

/// <summary>The kinds of stream in the event store; each is owned (written) by one service.</summary>
public static class StreamKinds
{
    /// <summary>One stream per client application; written by the authorization service.</summary>
    public const string Client = "client";
    /// <summary>One stream per scope; written by the authorization service.</summary>
    public const string Scope = "scope";
    /// <summary>One stream per grant (OpenIddict authorization); written by the authorization service.</summary>
    public const string Grant = "grant";
    /// <summary>One stream per user; written by the profile service.</summary>
    public const string User = "user";
    /// <summary>One stream per token; written by the service that issues or changes it.</summary>
    public const string Token = "token";
}
