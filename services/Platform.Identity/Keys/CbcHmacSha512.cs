using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Platform.Identity.Keys;

/// <summary>
/// The content encryption of the payloads' JWE, A256CBC-HS512 (RFC 7518, section 5.2.5), computed with .NET's one-shot
/// AES-CBC and HMAC-SHA-512. IdentityModel's own provider computes the same thing but leaves each token's AES encryptor
/// (an OpenSSL cipher context) to the finalizer: one finalizable object per token issued or read, all released by the
/// one finalizer thread, which took about a fifth of the token service's CPU under load and kept the objects alive
/// into gen1. Here every native context is released on the request's own thread. The key wrap (A256KW), the JWE
/// format and the keys are IdentityModel's and unchanged: a token encrypted by either provider decrypts with the other.
/// </summary>
public static class CbcHmacSha512
{
    /// <summary>
    /// The crypto provider factory of the encryption keys (<see cref="SecurityKey.CryptoProviderFactory"/>): A256CBC-HS512
    /// content encryption here, everything else (the key wrap, signatures) IdentityModel's defaults. One for the process,
    /// as every factory keeps a provider cache of its own.
    /// </summary>
    public static CryptoProviderFactory Factory { get; } = new() { CustomCryptoProvider = new Provider() };

    private const int KeyBytes = 64;
    private const int HalfKeyBytes = 32;
    private const int IvBytes = 16;

    private sealed class Provider : ICryptoProvider
    {
        public bool IsSupportedAlgorithm(string algorithm, params object[] args) =>
            algorithm == SecurityAlgorithms.Aes256CbcHmacSha512 && args is [SymmetricSecurityKey { Key.Length: KeyBytes }];

        public object Create(string algorithm, params object[] args) => new EncryptionProvider((SymmetricSecurityKey)args[0], algorithm);

        public void Release(object cryptoInstance) => (cryptoInstance as IDisposable)?.Dispose();
    }

    /// <summary>One content encryption key: its first half authenticates (HMAC-SHA-512 truncated to 32 bytes), the second encrypts.</summary>
    public sealed class EncryptionProvider(SymmetricSecurityKey key, string algorithm) : AuthenticatedEncryptionProvider(key, algorithm)
    {
        private readonly byte[] macKey = key.Key[..HalfKeyBytes];
        private readonly byte[] encryptionKey = key.Key[HalfKeyBytes..];

        public override AuthenticatedEncryptionResult Encrypt(byte[] plaintext, byte[] authenticatedData) =>
            Encrypt(plaintext, authenticatedData, RandomNumberGenerator.GetBytes(IvBytes));

        public override AuthenticatedEncryptionResult Encrypt(byte[] plaintext, byte[] authenticatedData, byte[] iv)
        {
            ArgumentNullException.ThrowIfNull(plaintext);
            ArgumentNullException.ThrowIfNull(authenticatedData);
            iv ??= RandomNumberGenerator.GetBytes(IvBytes);
            if (iv.Length != IvBytes)
            {
                throw new SecurityTokenEncryptionFailedException($"A256CBC-HS512 needs a {IvBytes}-byte initialization vector.");
            }

            using var aes = Aes.Create();
            aes.Key = encryptionKey;
            var ciphertext = aes.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);
            return new AuthenticatedEncryptionResult(Key, ciphertext, iv, Tag(authenticatedData, iv, ciphertext));
        }

        /// <summary>Checks the tag first, in constant time, and decrypts only an authentic ciphertext (no padding oracle).</summary>
        public override byte[] Decrypt(byte[] ciphertext, byte[] authenticatedData, byte[] iv, byte[] authenticationTag)
        {
            if (ciphertext is not { Length: > 0 } || authenticatedData is null || iv is not { Length: IvBytes } || authenticationTag is not { Length: HalfKeyBytes }
                || !CryptographicOperations.FixedTimeEquals(Tag(authenticatedData, iv, ciphertext), authenticationTag))
            {
                throw new SecurityTokenDecryptionFailedException("The token's authentication tag does not match: it was not encrypted with this key, or was altered.");
            }

            using var aes = Aes.Create();
            aes.Key = encryptionKey;
            return aes.DecryptCbc(ciphertext, iv, PaddingMode.PKCS7);
        }

        /// <summary>HMAC-SHA-512 over AAD ‖ IV ‖ ciphertext ‖ AL (the AAD's length in bits, 64-bit big-endian), first 32 bytes.</summary>
        private byte[] Tag(byte[] authenticatedData, byte[] iv, byte[] ciphertext)
        {
            var input = new byte[authenticatedData.Length + iv.Length + ciphertext.Length + sizeof(long)];
            authenticatedData.CopyTo(input, 0);
            iv.CopyTo(input, authenticatedData.Length);
            ciphertext.CopyTo(input, authenticatedData.Length + iv.Length);
            BinaryPrimitives.WriteInt64BigEndian(input.AsSpan(input.Length - sizeof(long)), (long)authenticatedData.Length * 8);
            return HMACSHA512.HashData(macKey, input)[..HalfKeyBytes];
        }
    }
}
