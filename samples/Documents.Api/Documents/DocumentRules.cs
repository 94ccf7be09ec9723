namespace Documents.Api.Documents;

/// <summary>What makes a draft acceptable, as a pure function: the errors by field, or none.</summary>
public static class DocumentRules
{
    public static Dictionary<string, string[]> Check(DocumentDraft draft)
    {
        var errors = new Dictionary<string, string[]>();
        if (draft.Kind is null || !DocumentKinds.Prefixes.ContainsKey(draft.Kind))
        {
            errors["kind"] = [$"A document's kind is one of: {string.Join(", ", DocumentKinds.Prefixes.Keys)}."];
        }

        if (string.IsNullOrWhiteSpace(draft.Title) || draft.Title.Length > 200)
        {
            errors["title"] = ["A title is 1 to 200 characters."];
        }

        if (draft.Customer is { Length: > 200 })
        {
            errors["customer"] = ["A customer name is at most 200 characters."];
        }

        if (draft.Amount is < 0)
        {
            errors["amount"] = ["An amount is zero or more."];
        }

        if (draft.Currency is { } currency && (currency.Length != 3 || !currency.All(char.IsAsciiLetterUpper)))
        {
            errors["currency"] = ["A currency is a three-letter ISO 4217 code such as EUR."];
        }

        return errors;
    }
}
