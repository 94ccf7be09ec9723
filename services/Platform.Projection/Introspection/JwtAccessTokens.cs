using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using Platform.Projection.ReadModel;

namespace Platform.Projection.Introspection;

/// <summary>
/// RFC 9068 JWT access tokens (clients registered with <c>platform:access_token_format</c> = <c>jwt</c>). A
/// presented JWS is checked first for what it says about itself: an RS256 signature by one of the signing keys of
/// <c>platform.keys</c>, <c>typ</c> <c>at+jwt</c>, this issuer, and its lifetime (with a small clock skew). Only
/// then is its id (OpenIddict's <c>oi_tkn_id</c> claim, the stream id of its <c>TokenIssued</c>) returned, and the
/// token's state is looked up by id exactly as for an opaque token, so revocation and the cascades apply to it.
/// Anything that fails is null: the token is inactive.
/// </summary>
public sealed class JwtAccessTokens(SigningKeys keys, PublicIssuer issuer, ILogger<JwtAccessTokens> logger)
{
    /// <summary>The claim OpenIddict writes the token id to: the writers' token document id.</summary>
    public const string TokenIdClaim = "oi_tkn_id";

    public const string AccessTokenType = "at+jwt";

    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private static readonly JsonWebTokenHandler Handler = new() { MaximumTokenSizeInBytes = 16 * 1024 };

    /// <summary>
    /// True for a compact JWS: three non-empty base64url parts. An opaque reference token is base64url without dots,
    /// so it never looks like one.
    /// </summary>
    public static bool LooksLikeJws(string presented)
    {
        var parts = 0;
        var partLength = 0;
        foreach (var c in presented)
        {
            if (c == '.')
            {
                if (partLength == 0)
                {
                    return false;
                }

                parts++;
                partLength = 0;
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            {
                partLength++;
            }
            else
            {
                return false;
            }
        }

        return parts == 2 && partLength > 0;
    }

    /// <summary>The id of the token when <paramref name="presented"/> is a valid JWT access token of this issuer, else null.</summary>
    public async Task<string?> ValidateAsync(string presented, CancellationToken cancellationToken)
    {
        try
        {
            if (presented.Length > Handler.MaximumTokenSizeInBytes || !LooksLikeJws(presented))
            {
                return null;
            }

            var unverified = Handler.ReadJsonWebToken(presented);
            var signingKeys = await keys.GetAsync(unverified.Kid, cancellationToken);
            if (signingKeys.Count == 0)
            {
                return null;
            }

            var result = await Handler.ValidateTokenAsync(unverified, Parameters(signingKeys));
            if (!result.IsValid || result.SecurityToken is not JsonWebToken token)
            {
                logger.LogDebug(result.Exception, "A presented JWT did not validate; it is inactive");
                return null;
            }

            return token.TryGetPayloadValue<string>(TokenIdClaim, out var id) && !string.IsNullOrEmpty(id) ? id : null;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug(exception, "A presented JWT could not be read; it is inactive");
            return null;
        }
    }

    private TokenValidationParameters Parameters(IReadOnlyList<SecurityKey> signingKeys) => new()
    {
        ValidIssuer = issuer.Value.AbsoluteUri,
        ValidateIssuer = true,
        // The audience is the resource server's business; introspection decides visibility by caller (TokenVisibility).
        ValidateAudience = false,
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ValidateIssuerSigningKey = true,
        IssuerSigningKeys = signingKeys,
        ValidTypes = [AccessTokenType],
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        ClockSkew = ClockSkew,
    };
}

/// <summary>
/// The public halves of the signing keys in <c>platform.keys</c> (read only: the writers' key rings make and drop
/// them). Kept in memory, reloaded every <see cref="RefreshInterval"/> and when a token names a key id not known
/// yet (at most once per <see cref="UnknownKidRefreshInterval"/>, so garbage key ids cannot hammer the database).
/// A failed reload keeps the keys already loaded.
/// </summary>
public sealed class SigningKeys(ProjectionDataSource dataSource, TimeProvider time, ILogger<SigningKeys> logger) : IDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan UnknownKidRefreshInterval = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile IReadOnlyList<SecurityKey> current = [];
    private DateTimeOffset loadedAt = DateTimeOffset.MinValue;

    public async Task<IReadOnlyList<SecurityKey>> GetAsync(string? kid, CancellationToken cancellationToken)
    {
        var keys = current;
        var now = time.GetUtcNow();
        var stale = now - loadedAt >= RefreshInterval;
        var unknown = !string.IsNullOrEmpty(kid) && !keys.Any(key => key.KeyId == kid) && now - loadedAt >= UnknownKidRefreshInterval;
        if (!stale && !unknown)
        {
            return keys;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            // Another request may have reloaded while this one waited.
            if (time.GetUtcNow() - loadedAt < UnknownKidRefreshInterval)
            {
                return current;
            }

            try
            {
                current = await LoadAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or CryptographicException or InvalidOperationException
                                              && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Cannot read the signing keys; keeping the {Count} already loaded", current.Count);
            }

            loadedAt = time.GetUtcNow();
            return current;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IReadOnlyList<SecurityKey>> LoadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.Value.CreateCommand("SELECT id, material FROM platform.keys WHERE use = 'sig'");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<SecurityKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey((byte[])reader[1], out _);
            // Only the public half is kept: this service verifies, it never signs.
            keys.Add(new RsaSecurityKey(rsa.ExportParameters(includePrivateParameters: false)) { KeyId = reader.GetString(0) });
        }

        return keys;
    }

    public void Dispose() => gate.Dispose();
}
