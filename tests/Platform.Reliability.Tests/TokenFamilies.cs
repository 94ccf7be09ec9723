using Platform.Contracts.Events;

namespace Platform.Reliability.Tests;

/// <summary>
/// The token family invariant, as a pure function of what an operator reads: each token's events in the store
/// (issued with its parent, redeemed, revoked with a reason), which tokens the writers' documents and the read model
/// hold active now, and which grants were revoked. A family is a lineage: an authorization code, the tokens issued
/// from it, and the tokens issued from each refresh token in turn (<c>TokenIssued.ParentTokenId</c>).
/// </summary>
/// <remarks>
/// What must hold in every family:
/// <list type="bullet">
/// <item>rotation: a code or refresh token that something was issued from was redeemed;</item>
/// <item>one successor: a token redeemed once produced at most one token of each kind, unless the extra ones came
/// within the reuse leeway of its redemption (a client retrying a lost answer is given new tokens again);</item>
/// <item>one refresh token at a time: when a refresh token was issued, no other refresh token of its family but the
/// one it replaces (redeemed by the same request) was still valid, leeway siblings aside (each of them stays usable);
/// and now at most one is active, in the writers' documents and in the read model;</item>
/// <item>a revoked family stays revoked: once a replay (<c>refresh_replayed</c>, <c>code_replayed</c>), its client revoking
/// a refresh token of it (<c>refresh_revoked</c>) or a grant
/// revocation revoked a family, none of its tokens issued before is active in the documents or the read model.</item>
/// </list>
/// </remarks>
public static class TokenFamilies
{
    /// <summary>Revocation reasons that end a whole family (OpenIddict's reuse detection, its refresh token revoked by its client, or its grant revoked).</summary>
    private static readonly string[] FamilyReasons =
        [RevocationReasons.RefreshReplayed, RevocationReasons.CodeReplayed, RevocationReasons.RefreshRevoked, RevocationReasons.GrantRevoked];

    public static FamilyVerdict Check(
        IReadOnlyList<TokenHistory> tokens, IReadOnlyDictionary<string, long> grantsRevokedAt,
        IReadOnlySet<string> activeInDocuments, IReadOnlySet<string> activeInReadModel, TimeSpan leeway)
    {
        var byId = tokens.ToDictionary(token => token.Id);
        var children = tokens.Where(token => token.ParentId is not null).ToLookup(token => token.ParentId!);
        var violations = new List<string>();
        var families = 0;
        var revokedFamilies = 0;
        var rotations = 0;

        foreach (var root in tokens.Where(token => token.ParentId is null || !byId.ContainsKey(token.ParentId)))
        {
            var family = Lineage(root, children).ToList();
            families++;
            var refreshTokens = family.Where(token => token.Kind == TokenKinds.RefreshToken).ToList();
            var leewaySiblings = new HashSet<string>();

            foreach (var parent in family.Where(token => children[token.Id].Any()))
            {
                if (parent.RedeemedAt is null)
                {
                    violations.Add($"{Name(parent)} has successors but was never redeemed: rotation broke");
                    continue;
                }

                if (parent.Kind == TokenKinds.RefreshToken && children[parent.Id].Any(child => child.Kind == TokenKinds.RefreshToken))
                {
                    rotations++;
                }

                foreach (var kind in children[parent.Id].GroupBy(child => child.Kind).Where(group => group.Count() > 1))
                {
                    var late = kind.OrderBy(child => child.IssuedSequence).Skip(1).Where(child => child.IssuedAt > parent.RedeemedAt + leeway).ToList();
                    if (late.Count > 0)
                    {
                        violations.Add($"{Name(parent)}, redeemed once, produced {kind.Count()} tokens of kind {kind.Key}, {late.Count} of them past the reuse leeway");
                    }

                    leewaySiblings.UnionWith(kind.Select(child => child.Id));
                }
            }

            foreach (var token in refreshTokens)
            {
                var alsoValid = refreshTokens.Where(other => other.Id != token.Id && other.Id != token.ParentId
                        && !leewaySiblings.Contains(other.Id) && !leewaySiblings.Contains(token.Id)
                        && other.IssuedSequence < token.IssuedSequence && (other.EndedSequence is null || other.EndedSequence > token.IssuedSequence))
                    .ToList();
                if (alsoValid.Count > 0)
                {
                    violations.Add($"{Name(token)} was issued while {string.Join(", ", alsoValid.Select(Name))} of its family was still valid");
                }
            }

            var allowedNow = 1 + Math.Max(0, refreshTokens.Count(token => leewaySiblings.Contains(token.Id)) - 1);
            foreach (var (where, active) in new[] { ("the writers' documents", activeInDocuments), ("the read model", activeInReadModel) })
            {
                var activeRefresh = refreshTokens.Count(token => active.Contains(token.Id));
                if (activeRefresh > allowedNow)
                {
                    violations.Add($"the family of {Name(root)} has {activeRefresh} active refresh tokens in {where}");
                }
            }

            var endedAt = family.Where(token => token.RevocationReason is { } reason && FamilyReasons.Contains(reason)).Select(token => token.RevokedSequence)
                .Append(root.GrantId is { } grant && grantsRevokedAt.TryGetValue(grant, out var revokedAt) ? revokedAt : null)
                .Where(sequence => sequence is not null).Min();
            if (endedAt is { } end)
            {
                revokedFamilies++;
                foreach (var token in family.Where(token => token.IssuedSequence < end))
                {
                    if (activeInDocuments.Contains(token.Id) || activeInReadModel.Contains(token.Id))
                    {
                        violations.Add($"{Name(token)} of a revoked family is active in {(activeInDocuments.Contains(token.Id) ? "the writers' documents" : "the read model")}");
                    }
                }
            }
        }

        return new FamilyVerdict(families, tokens.Count, rotations, revokedFamilies, violations);
    }

    private static IEnumerable<TokenHistory> Lineage(TokenHistory root, ILookup<string, TokenHistory> children)
    {
        var pending = new Stack<TokenHistory>([root]);
        while (pending.TryPop(out var token))
        {
            yield return token;
            foreach (var child in children[token.Id])
            {
                pending.Push(child);
            }
        }
    }

    private static string Name(TokenHistory token) => $"{token.Kind} {token.Id[..Math.Min(13, token.Id.Length)]}…";
}

/// <summary>One token as its events in the store tell it.</summary>
/// <param name="IssuedSequence">The global sequence of its <c>TokenIssued</c>.</param>
/// <param name="RedeemedAt">When its <c>TokenRedeemed</c> committed; null when never redeemed.</param>
/// <param name="EndedSequence">The first event that made it other than valid (redeemed, revoked, pruned, another status).</param>
/// <param name="RevokedSequence">The global sequence of its first <c>TokenRevoked</c>.</param>
/// <param name="RevocationReason">The reason of its first <c>TokenRevoked</c>.</param>
public sealed record TokenHistory(
    string Id, string Kind, string? ParentId, string? GrantId, long IssuedSequence, DateTimeOffset IssuedAt,
    DateTimeOffset? RedeemedAt, long? EndedSequence, long? RevokedSequence, string? RevocationReason);

/// <summary>What the family check found.</summary>
/// <param name="Rotations">Refresh tokens redeemed for a successor refresh token.</param>
/// <param name="RevokedFamilies">Families a replay or a grant revocation ended.</param>
public sealed record FamilyVerdict(int Families, int Tokens, int Rotations, int RevokedFamilies, IReadOnlyList<string> Violations);
