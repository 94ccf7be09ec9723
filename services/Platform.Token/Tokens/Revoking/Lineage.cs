namespace Platform.Token.Tokens.Revoking;

/// <summary>The tokens of one sign-in: a token's ancestors by <c>ParentTokenId</c>, the root, and all its descendants.</summary>
public static class Lineage
{
    /// <summary>
    /// Every token of <paramref name="tokens"/> in the lineage of <paramref name="tokenId"/>, itself included when
    /// present: from its oldest ancestor found (a code, or the first refresh token of a sign-in without one) down.
    /// </summary>
    public static IReadOnlyList<Identity.Tokens.Token> Of(string tokenId, IReadOnlyDictionary<string, Identity.Tokens.Token> tokens)
    {
        var root = tokenId;
        var climbed = new HashSet<string>(StringComparer.Ordinal) { root };
        while (tokens.TryGetValue(root, out var token) && token.ParentTokenId is { } parent && climbed.Add(parent))
        {
            root = parent;
        }

        var children = tokens.Values.Where(token => token.ParentTokenId is not null).ToLookup(token => token.ParentTokenId!, StringComparer.Ordinal);
        var found = new List<Identity.Tokens.Token>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([root]);
        while (pending.TryPop(out var id))
        {
            if (!seen.Add(id))
            {
                continue;
            }

            if (tokens.TryGetValue(id, out var token))
            {
                found.Add(token);
            }

            foreach (var child in children[id])
            {
                pending.Push(child.Id!);
            }
        }

        return found;
    }
}
