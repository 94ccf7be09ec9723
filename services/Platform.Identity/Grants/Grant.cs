using System.Text.Json;

using Platform.Identity.Storage;

namespace Platform.Identity.Grants;

/// <summary>
/// The OpenIddict authorization (a grant), as projected inline from the grant's stream. OpenIddict's managers
/// mutate an instance through the store's setters and then call <c>UpdateAsync</c>, which turns the difference
/// with the stored document into events; so these properties stay mutable.
/// </summary>
public sealed class Grant : IVersionedDocument
{
    public string? Id { get; set; }
    public string? ApplicationId { get; set; }
    public string? Subject { get; set; }
    public string? Type { get; set; }
    public string? Status { get; set; }
    public string[] Scopes { get; set; } = [];
    public DateTimeOffset? CreationDate { get; set; }
    public Dictionary<string, JsonElement> Properties { get; set; } = [];

    /// <summary>The version of the grant's stream this state reflects: OpenIddict's concurrency token.</summary>
    public long Version { get; set; }
}
