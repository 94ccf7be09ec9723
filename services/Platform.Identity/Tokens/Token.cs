using System.Text.Json;
using System.Text.Json.Serialization;

using Platform.Identity.Storage;

namespace Platform.Identity.Tokens;

/// <summary>
/// The OpenIddict token entry, as projected inline from the token's stream. OpenIddict's managers mutate an
/// instance through the store's setters and then call <c>UpdateAsync</c>, which turns the difference with the
/// stored document into events; so these properties stay mutable.
/// </summary>
public sealed class Token : IVersionedDocument
{
    public string? Id { get; set; }
    public string? ApplicationId { get; set; }
    public string? ClientId { get; set; }
    public string? AuthorizationId { get; set; }
    public string? Subject { get; set; }
    public string? Type { get; set; }
    public string? Status { get; set; }
    public DateTimeOffset? CreationDate { get; set; }
    public DateTimeOffset? ExpirationDate { get; set; }
    public DateTimeOffset? RedemptionDate { get; set; }

    /// <summary>The hash of the reference id (OpenIddict's manager hashes it before the store sees it).</summary>
    public string? ReferenceId { get; set; }

    public Dictionary<string, JsonElement> Properties { get; set; } = [];
    public string[] Scopes { get; set; } = [];
    public string[] Audiences { get; set; } = [];
    public string[] Presenters { get; set; } = [];
    public string? ParentTokenId { get; set; }

    /// <summary>The version of the token's stream this state reflects: OpenIddict's concurrency token.</summary>
    public long Version { get; set; }

    // The payload is a credential: it lives in its own document (TokenPayload), never here and never in an event.
    // These fields cache it on the instance so one request loads it at most once, and remember an unsaved change.
    [JsonIgnore]
    internal string? Payload { get; set; }

    [JsonIgnore]
    internal bool PayloadLoaded { get; set; }

    [JsonIgnore]
    internal bool PayloadChanged { get; set; }

    /// <summary>
    /// Set by the issuing path when the reference id was just drawn as 256 random bits: no look-up can find another
    /// token with it (a collision has probability ~n²/2²⁵⁷), and the unique index on the reference id rejects one anyway.
    /// </summary>
    [JsonIgnore]
    internal bool RandomReferenceId { get; set; }
}

/// <summary>The token itself (the payload behind a reference id), stored apart from the events and the entry.</summary>
public sealed class TokenPayload
{
    public string Id { get; set; } = "";
    public string Payload { get; set; } = "";
}
