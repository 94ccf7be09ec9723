namespace Documents.Api.Documents;

/// <summary>A business document of the ERP: a quote, an order, a delivery note or an invoice.</summary>
/// <param name="Id">The document number, e.g. <c>INV-1001</c>.</param>
/// <param name="Kind">One of <see cref="DocumentKinds"/>.</param>
/// <param name="CreatedBy">The <c>sub</c> of the token that created it (a user, or a client acting on its own behalf).</param>
/// <param name="CreatedVia">The <c>client_id</c> of the application that created it.</param>
/// <param name="Version">Starts at 1; each update adds one.</param>
public sealed record Document(
    string Id,
    string Kind,
    string Title,
    string? Customer,
    decimal? Amount,
    string? Currency,
    string CreatedBy,
    string? CreatedVia,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? UpdatedBy,
    int Version);

/// <summary>What a client sends to create or update a document.</summary>
public sealed record DocumentDraft(string? Kind, string? Title, string? Customer, decimal? Amount, string? Currency);

/// <summary>The kinds of document and the prefix of their numbers.</summary>
public static class DocumentKinds
{
    public static IReadOnlyDictionary<string, string> Prefixes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["quote"] = "QUO",
        ["order"] = "ORD",
        ["delivery_note"] = "DEL",
        ["invoice"] = "INV",
    };
}
