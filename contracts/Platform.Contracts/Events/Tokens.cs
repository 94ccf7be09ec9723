using System.Text.Json;

namespace Platform.Contracts.Events;

/// <summary>A token was issued. Stream: the token's OpenIddict identifier (its <c>jti</c>).
/// The token itself and its reference id are credentials and never appear here; only the hash of the reference id does.</summary>
/// <param name="TokenId">The OpenIddict token identifier (stream id).</param>
/// <param name="Kind">One of <see cref="TokenKinds"/>.</param>
/// <param name="ApplicationId">The OpenIddict identifier of the client the token was issued to.</param>
/// <param name="ClientId">The public <c>client_id</c> of that client.</param>
/// <param name="GrantId">The grant (OpenIddict authorization) it was issued under, if any.</param>
/// <param name="Subject">The <c>sub</c> of the token: a user id, or the client id for client credentials.</param>
/// <param name="Scopes">The granted scopes.</param>
/// <param name="Audiences">The audiences (resource servers).</param>
/// <param name="IssuedAt">The token's creation date.</param>
/// <param name="ExpiresAt">The token's expiration date, if it has one.</param>
/// <param name="ParentTokenId">For a refreshed token, the token it was exchanged for: the refresh lineage.</param>
/// <param name="ReferenceIdHash">SHA-256 (base64) of the reference id, for opaque tokens; null for self-contained tokens.</param>
/// <param name="Status">The status it was created with (<c>valid</c>, or <c>inactive</c> for device codes).</param>
public sealed record TokenIssued(
    string TokenId,
    string Kind,
    string? ApplicationId,
    string? ClientId,
    string? GrantId,
    string? Subject,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Audiences,
    DateTimeOffset? IssuedAt,
    DateTimeOffset? ExpiresAt,
    string? ParentTokenId,
    string? ReferenceIdHash,
    string Status)
{
    /// <summary>The clients allowed to present the token (OpenIddict presenters). Added later: empty in older events.</summary>
    public IReadOnlyList<string> Presenters { get; init; } = [];

    /// <summary>OpenIddict's free-form token properties. Added later: empty in older events.</summary>
    public IReadOnlyDictionary<string, JsonElement> Properties { get; init; } = new Dictionary<string, JsonElement>();
}

/// <summary>A reference id was attached to a token after it was issued (OpenIddict creates the entry, then attaches
/// the opaque reference handed to the client). Only the hash of the reference id is recorded.</summary>
/// <param name="TokenId">The OpenIddict token identifier.</param>
/// <param name="ReferenceIdHash">SHA-256 (base64) of the reference id; null when the reference was detached.</param>
/// <param name="AttachedAt">When it committed.</param>
public sealed record TokenReferenceAttached(string TokenId, string? ReferenceIdHash, DateTimeOffset AttachedAt);

/// <summary>A token's expiration date changed (for example a device code once the user approved it).</summary>
/// <param name="TokenId">The OpenIddict token identifier.</param>
/// <param name="ExpiresAt">The new expiration date; null for none.</param>
/// <param name="ChangedAt">When it committed.</param>
public sealed record TokenExpirationChanged(string TokenId, DateTimeOffset? ExpiresAt, DateTimeOffset ChangedAt);

/// <summary>A token's details changed other than by a status, reference or expiration change (for example the
/// subject of a device code once a user approved it). Carries the whole new description of the token; never
/// the token itself or its reference id.</summary>
/// <param name="TokenId">The OpenIddict token identifier.</param>
/// <param name="Kind">One of <see cref="TokenKinds"/>.</param>
/// <param name="ApplicationId">The OpenIddict identifier of the client.</param>
/// <param name="ClientId">The public <c>client_id</c> of that client.</param>
/// <param name="GrantId">The grant it was issued under, if any.</param>
/// <param name="Subject">The <c>sub</c> of the token.</param>
/// <param name="Scopes">The granted scopes.</param>
/// <param name="Audiences">The audiences.</param>
/// <param name="Presenters">The clients allowed to present the token.</param>
/// <param name="IssuedAt">The token's creation date.</param>
/// <param name="ParentTokenId">The token it was exchanged for, if any.</param>
/// <param name="UpdatedAt">When it committed.</param>
public sealed record TokenUpdated(
    string TokenId,
    string Kind,
    string? ApplicationId,
    string? ClientId,
    string? GrantId,
    string? Subject,
    IReadOnlyList<string> Scopes,
    IReadOnlyList<string> Audiences,
    IReadOnlyList<string> Presenters,
    DateTimeOffset? IssuedAt,
    string? ParentTokenId,
    DateTimeOffset UpdatedAt)
{
    /// <summary>OpenIddict's free-form token properties.</summary>
    public IReadOnlyDictionary<string, JsonElement> Properties { get; init; } = new Dictionary<string, JsonElement>();
}

/// <summary>A single-use token (authorization code, refresh token, device code) was redeemed.</summary>
/// <param name="TokenId">The OpenIddict token identifier.</param>
/// <param name="RedeemedAt">When it committed.</param>
public sealed record TokenRedeemed(string TokenId, DateTimeOffset RedeemedAt);

/// <summary>A token was revoked. Revoked is final.</summary>
/// <param name="TokenId">The OpenIddict token identifier.</param>
/// <param name="Reason">One of <see cref="RevocationReasons"/>.</param>
/// <param name="RevokedAt">When it committed.</param>
public sealed record TokenRevoked(string TokenId, string Reason, DateTimeOffset RevokedAt);

/// <summary>A token's status moved other than by redemption or revocation (for example a device code
/// becoming valid once the user approved it, or rejected).</summary>
/// <param name="TokenId">The OpenIddict token identifier.</param>
/// <param name="Status">The new OpenIddict status.</param>
/// <param name="ChangedAt">When it committed.</param>
public sealed record TokenStatusChanged(string TokenId, string Status, DateTimeOffset ChangedAt);

/// <summary>An expired or inactive token was pruned from the live documents. Its history stays.</summary>
/// <param name="TokenId">The OpenIddict token identifier.</param>
/// <param name="PrunedAt">When it committed.</param>
public sealed record TokenPruned(string TokenId, DateTimeOffset PrunedAt);

/// <summary>The kinds of token Platform issues, as recorded in <see cref="TokenIssued.Kind"/>.</summary>
public static class TokenKinds
{
    /// <summary>An OAuth 2.0 authorization code.</summary>
    public const string AuthorizationCode = "authorization_code";
    /// <summary>An access token.</summary>
    public const string AccessToken = "access_token";
    /// <summary>A refresh token.</summary>
    public const string RefreshToken = "refresh_token";
    /// <summary>An OpenID Connect identity token.</summary>
    public const string IdToken = "id_token";
    /// <summary>A device code (RFC 8628).</summary>
    public const string DeviceCode = "device_code";
    /// <summary>A user code (RFC 8628).</summary>
    public const string UserCode = "user_code";
}

/// <summary>Why a token or grant was revoked, as recorded in <see cref="TokenRevoked.Reason"/> and <see cref="GrantRevoked.Reason"/>.</summary>
public static class RevocationReasons
{
    /// <summary>The client asked for it at the revocation endpoint (RFC 7009).</summary>
    public const string RevocationRequest = "revocation_request";
    /// <summary>An authorization code was presented twice: its whole chain is revoked.</summary>
    public const string CodeReplayed = "code_replayed";
    /// <summary>A redeemed refresh token was presented again: its whole family is revoked.</summary>
    public const string RefreshReplayed = "refresh_replayed";
    /// <summary>A refresh token of the same sign-in was revoked at the revocation endpoint (RFC 7009 §2.1): its lineage goes with it.</summary>
    public const string RefreshRevoked = "refresh_revoked";
    /// <summary>The grant the token was issued under was revoked.</summary>
    public const string GrantRevoked = "grant_revoked";
    /// <summary>The client was disabled.</summary>
    public const string ClientDisabled = "client_disabled";
    /// <summary>The user was disabled.</summary>
    public const string UserDisabled = "user_disabled";
    /// <summary>The user signed out.</summary>
    public const string SignedOut = "signed_out";
    /// <summary>An operator revoked it.</summary>
    public const string Admin = "admin";
}
