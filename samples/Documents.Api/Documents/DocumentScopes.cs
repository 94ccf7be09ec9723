namespace Documents.Api.Documents;

/// <summary>The scopes of the documents API: register them at the authorization server with this API as their resource.</summary>
public static class DocumentScopes
{
    /// <summary>List and read documents.</summary>
    public const string Read = "documents.read";

    /// <summary>Create and update documents.</summary>
    public const string Write = "documents.write";
}
