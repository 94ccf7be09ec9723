using System.Text.Json;

namespace Platform.Contracts.Events;

/// <summary>A user (or the platform, for client grants) approved a client's access. OpenIddict calls it an authorization.</summary>
/// <param name="GrantId">The OpenIddict authorization identifier (stream id).</param>
/// <param name="ApplicationId">The OpenIddict identifier of the client.</param>
/// <param name="Subject">The user's identifier, if any.</param>
/// <param name="Type"><c>permanent</c> (remembered consent) or <c>ad-hoc</c>.</param>
/// <param name="Scopes">The scopes granted.</param>
/// <param name="ApprovedAt">When it committed.</param>
public sealed record GrantApproved(
    string GrantId,
    string? ApplicationId,
    string? Subject,
    string? Type,
    IReadOnlyList<string> Scopes,
    DateTimeOffset ApprovedAt)
{
    /// <summary>OpenIddict's free-form authorization properties. Added later: empty in older events.</summary>
    public IReadOnlyDictionary<string, JsonElement> Properties { get; init; } = new Dictionary<string, JsonElement>();
}

/// <summary>A grant's details changed other than by revocation (for example its scopes, or a status other than
/// revoked). Carries the whole new state of the grant.</summary>
/// <param name="GrantId">The OpenIddict authorization identifier.</param>
/// <param name="ApplicationId">The OpenIddict identifier of the client.</param>
/// <param name="Subject">The user's identifier, if any.</param>
/// <param name="Type"><c>permanent</c> or <c>ad-hoc</c>.</param>
/// <param name="Status">The OpenIddict status (<c>valid</c>, <c>inactive</c>, ...). Revocation is <see cref="GrantRevoked"/>.</param>
/// <param name="Scopes">The scopes granted.</param>
/// <param name="UpdatedAt">When it committed.</param>
public sealed record GrantUpdated(
    string GrantId,
    string? ApplicationId,
    string? Subject,
    string? Type,
    string? Status,
    IReadOnlyList<string> Scopes,
    DateTimeOffset UpdatedAt)
{
    /// <summary>OpenIddict's free-form authorization properties.</summary>
    public IReadOnlyDictionary<string, JsonElement> Properties { get; init; } = new Dictionary<string, JsonElement>();
}

/// <summary>A grant was revoked; the tokens issued under it are inactive.</summary>
/// <param name="GrantId">The OpenIddict authorization identifier.</param>
/// <param name="Reason">One of <see cref="RevocationReasons"/>.</param>
/// <param name="RevokedAt">When it committed.</param>
public sealed record GrantRevoked(string GrantId, string Reason, DateTimeOffset RevokedAt);

/// <summary>An expired or revoked grant was pruned from the live documents. Its history stays.</summary>
/// <param name="GrantId">The OpenIddict authorization identifier.</param>
/// <param name="PrunedAt">When it committed.</param>
public sealed record GrantPruned(string GrantId, DateTimeOffset PrunedAt);
