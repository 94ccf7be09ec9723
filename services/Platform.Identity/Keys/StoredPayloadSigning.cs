using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Identity.Keys;

/// <summary>
/// The keys that sign the payloads of reference tokens (access and refresh tokens, authorization codes). Such a
/// payload never leaves the store: the client holds only a random reference, and only the token-writing services,
/// which share the key ring, ever read the payload back. An RSA signature there proves nothing more than a MAC
/// under a key the same services share, and costs ~0.3 ms of CPU per token; HMAC-SHA256 costs microseconds.
/// </summary>
/// <remarks>
/// One HMAC key per encryption key, derived with HKDF (so it follows the encryption keys' schedule: a payload is
/// signed and encrypted under keys of the same generation, and stops validating when it stops decrypting). The
/// derived key is never stored, published or usable for anything else; anyone able to forge with it already holds
/// the RSA private keys, which live in the same table. Tokens that leave the server (identity tokens, JWT access
/// tokens) stay RS256, and OpenIddict never publishes a symmetric key in the JWKS.
/// </remarks>
public static class StoredPayloadSigning
{
    private static readonly byte[] Purpose = Encoding.ASCII.GetBytes("platform reference token payload signing (HS256)");

    /// <summary>The signing key derived from <paramref name="encryptionKey"/>.</summary>
    public static SymmetricSecurityKey KeyFor(SymmetricSecurityKey encryptionKey)
    {
        ArgumentNullException.ThrowIfNull(encryptionKey);
        var material = HKDF.DeriveKey(HashAlgorithmName.SHA256, encryptionKey.Key, 32, salt: [], info: Purpose);
        return new SymmetricSecurityKey(material) { KeyId = KeyIdFor(encryptionKey) };
    }

    /// <summary>The key id of the signing key derived from <paramref name="encryptionKey"/>.</summary>
    public static string KeyIdFor(SymmetricSecurityKey encryptionKey)
    {
        ArgumentNullException.ThrowIfNull(encryptionKey);
        return encryptionKey.KeyId + ".hs256";
    }
}
