using System.Security.Cryptography;
using System.Text;
using Marten;
using Platform.Projection.Consuming;

namespace Platform.Projection.Introspection;

/// <summary>
/// Where introspection's answer comes from. A fresh replica (<see cref="ReplicaFreshness"/>) answers from its cache,
/// else from the read model, and asks the writers' documents about a token the read model does not know yet (just
/// issued). A replica that cannot show it is fresh trusts neither cache nor read model and asks the writers' documents,
/// so a revocation committed while its feed is down is seen at once. Whatever cannot be read counts as inactive.
/// </summary>
public sealed class TokenLookup(IQuerySession session, TokenCache cache, ReplicaFreshness freshness, WriterTokens writers, TimeProvider time)
{
    /// <summary>Reference tokens are found by the hash the writers store: SHA-256 of the token, base64.</summary>
    public static string Hash(string presented) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    public async Task<TokenFacts?> FindAsync(string presented, CancellationToken cancellationToken)
    {
        var hash = Hash(presented);
        if (!freshness.IsFresh)
        {
            return await writers.FindByHashAsync(hash, cancellationToken);
        }

        if (cache.Get(hash) is { } cached)
        {
            return cached;
        }

        var generation = cache.Generation;
        var facts = await ReadModelTokens.FindByHashAsync(session, hash, cancellationToken)
                    ?? await writers.FindByHashAsync(hash, cancellationToken);
        if (facts is not null && facts.IsActive(time.GetUtcNow()))
        {
            cache.Set(hash, facts, generation);
        }

        return facts;
    }
}
