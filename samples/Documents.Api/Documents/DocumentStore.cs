using System.Collections.Concurrent;

namespace Documents.Api.Documents;

/// <summary>The documents, in memory (a sample: they are gone when the process ends). Two examples to start with.</summary>
public sealed class DocumentStore
{
    private readonly ConcurrentDictionary<string, Document> documents = new(StringComparer.Ordinal);
    private readonly TimeProvider time;
    private int lastNumber = 1000;

    public DocumentStore(TimeProvider time)
    {
        this.time = time;
        Create(new DocumentDraft("order", "Office chairs, 12 pieces", "ACME GmbH", 2_340.00m, "EUR"), "erp", null);
        Create(new DocumentDraft("invoice", "Office chairs, 12 pieces", "ACME GmbH", 2_340.00m, "EUR"), "erp", null);
    }

    public IReadOnlyList<Document> List(string? kind) =>
        documents.Values.Where(d => kind is null || d.Kind == kind).OrderBy(d => d.CreatedAt).ThenBy(d => d.Id, StringComparer.Ordinal).ToList();

    public Document? Find(string id) => documents.GetValueOrDefault(id);

    public Document Create(DocumentDraft draft, string createdBy, string? createdVia)
    {
        var now = time.GetUtcNow();
        var id = $"{DocumentKinds.Prefixes[draft.Kind!]}-{Interlocked.Increment(ref lastNumber)}";
        var document = new Document(id, draft.Kind!, draft.Title!.Trim(), draft.Customer, draft.Amount, draft.Currency, createdBy, createdVia, now, now, null, 1);
        documents[id] = document;
        return document;
    }

    /// <summary>Replaces a document's fields; null when there is no such document.</summary>
    public Document? Update(string id, DocumentDraft draft, string updatedBy)
    {
        while (documents.TryGetValue(id, out var current))
        {
            var updated = current with
            {
                Kind = draft.Kind!,
                Title = draft.Title!.Trim(),
                Customer = draft.Customer,
                Amount = draft.Amount,
                Currency = draft.Currency,
                UpdatedAt = time.GetUtcNow(),
                UpdatedBy = updatedBy,
                Version = current.Version + 1,
            };
            if (documents.TryUpdate(id, updated, current))
            {
                return updated;
            }
        }

        return null;
    }
}
