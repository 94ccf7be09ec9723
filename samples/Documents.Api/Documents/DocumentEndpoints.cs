using Platform.ResourceServer;

namespace Documents.Api.Documents;

/// <summary>
/// <c>/documents</c>: list and read with <c>documents.read</c>, create and update with <c>documents.write</c>.
/// A missing or bad token is <c>401</c>, a token without the scope <c>403 insufficient_scope</c> (the library answers both).
/// </summary>
public static class DocumentEndpoints
{
    public static WebApplication MapDocuments(this WebApplication app)
    {
        var documents = app.MapGroup("/documents");
        documents.MapGet("/", (DocumentStore store, string? kind) => Results.Ok(store.List(kind)))
            .RequireScope(DocumentScopes.Read);
        documents.MapGet("/{id}", (DocumentStore store, string id) =>
                store.Find(id) is { } document ? Results.Ok(document) : NotFound(id))
            .RequireScope(DocumentScopes.Read);
        documents.MapPost("/", Create).RequireScope(DocumentScopes.Write);
        documents.MapPut("/{id}", Update).RequireScope(DocumentScopes.Write);
        return app;
    }

    private static IResult Create(DocumentStore store, HttpContext context, DocumentDraft? draft)
    {
        if (draft is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send the document as a JSON object."] });
        }

        var errors = DocumentRules.Check(draft);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var document = store.Create(draft, context.User.GetSubject() ?? "unknown", context.User.GetClientId());
        return Results.Created($"/documents/{document.Id}", document);
    }

    private static IResult Update(DocumentStore store, HttpContext context, string id, DocumentDraft? draft)
    {
        if (draft is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send the document as a JSON object."] });
        }

        var errors = DocumentRules.Check(draft);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        return store.Update(id, draft, context.User.GetSubject() ?? "unknown") is { } updated ? Results.Ok(updated) : NotFound(id);
    }

    private static IResult NotFound(string id) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such document", detail: $"There is no document '{id}'.");
}
