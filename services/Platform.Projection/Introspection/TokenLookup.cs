using System.Security.Cryptography;
using System.Text;
using Marten;
using Platform.Contracts.Events;
using Platform.Projection.Consuming;

namespace Platform.Projection.Introspection;

/// <summary>
/// Where introspection's answer comes from. A fresh replica (<see cref="ReplicaFreshness"/>) answers from its cache,
/// else from the read model, and asks the writers' documents about a token the read model does not know yet (just
/// issued). A replica that cannot show it is fresh trusts neither cache nor read model and asks the writers' documents,
/// so a revocation committed while its feed is down is seen at once. Whatever cannot be read counts as inactive, but
/// a database outage answers 503: the store unreadable makes the replica not fresh (within one check of
/// <see cref="ReplicaFreshness"/>), so the cache is not used and the writers' documents, unreachable too, say nothing.
/// A JWT access token is first checked for signature, type, issuer and lifetime (<see cref="JwtAccessTokens"/>),
/// then looked up by its id along the same path, cached under its id.
/// </summary>
public sealed class TokenLookup(IQuerySession session, TokenCache cache, ReplicaFreshness freshness, WriterTokens writers, TimeProvider time, JwtAccessTokens jwts)
{
    /// <summary>Cache key of a JWT access token: by id (a reference hash is base64 and never holds ':').</summary>
    private static string JwtKey(string tokenId) => "jwt:" + tokenId;

    /// <summary>Reference tokens are found by the hash the writers store: SHA-256 of the token, base64.</summary>
    public static string Hash(string presented) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    public async Task<TokenFacts?> FindAsync(string presented, CancellationToken cancellationToken)
    {
        if (JwtAccessTokens.LooksLikeJws(presented))
        {
            return await FindJwtAsync(presented, cancellationToken);
        }

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

    private async Task<TokenFacts?> FindJwtAsync(string presented, CancellationToken cancellationToken)
    {
        if (await jwts.ValidateAsync(presented, cancellationToken) is not { } tokenId)
        {
            return null;
        }

        var facts = await FindByIdAsync(tokenId, cancellationToken);
        // Only an access token is presented as an at+jwt; anything else by that id is not what was signed.
        return facts?.Token.Kind == TokenKinds.AccessToken && facts.Token.ReferenceIdHash is null ? facts : null;
    }

    private async Task<TokenFacts?> FindByIdAsync(string tokenId, CancellationToken cancellationToken)
    {
        if (!freshness.IsFresh)
        {
            return await writers.FindByIdAsync(tokenId, cancellationToken);
        }

        var key = JwtKey(tokenId);
        if (cache.Get(key) is { } cached)
        {
            return cached;
        }

        var generation = cache.Generation;
        var facts = await ReadModelTokens.FindByIdAsync(session, tokenId, cancellationToken)
                    ?? await writers.FindByIdAsync(tokenId, cancellationToken);
        if (facts is not null && facts.IsActive(time.GetUtcNow()))
        {
            cache.Set(key, facts, generation);
        }

        return facts;
    }
}
