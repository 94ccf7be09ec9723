using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Platform.Identity.Keys;
using Xunit;

namespace Platform.Identity.Tests.Keys;

/// <summary>
/// The payloads' content encryption (A256CBC-HS512) computed by <see cref="CbcHmacSha512"/>: the RFC's own test case,
/// and JWEs that IdentityModel's provider and ours each decrypt from the other, so tokens stored before and after the
/// change read alike.
/// </summary>
public sealed class CbcHmacSha512Tests
{
    // RFC 7518, Appendix B.3 (AES_256_CBC_HMAC_SHA_512).
    private static readonly byte[] K = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
    private static readonly byte[] P = Encoding.ASCII.GetBytes("A cipher system must not be required to be secret, and it must be able to fall into the hands of the enemy without inconvenience");
    private static readonly byte[] IV = Convert.FromHexString("1af38c2dc2b96ffdd86694092341bc04");
    private static readonly byte[] A = Encoding.ASCII.GetBytes("The second principle of Auguste Kerckhoffs");
    private static readonly byte[] E = Convert.FromHexString(
        "4affaaadb78c31c5da4b1b590d10ffbd3dd8d5d302423526912da037ecbcc7bd822c301dd67c373bccb584ad3e9279c2e6d12a1374b77f077553df829410446b" +
        "36ebd97066296ae6427ea75c2e0846a11a09ccf5370dc80bfecbad28c73f09b3a3b75e662a2594410ae496b2e2e6609e31e6e02cc837f053d21f37ff4f51950b" +
        "be2638d09dd7a4930930806d0703b1f6");
    private static readonly byte[] T = Convert.FromHexString("4dd3b4c088a7f45c216839645b2012bf2e6269a8c56a816dbc1b267761955bc5");

    [Fact]
    public void Rfc7518TestCase_EncryptsAndDecryptsToTheRfcsValues()
    {
        var key = new SymmetricSecurityKey(K) { CryptoProviderFactory = CbcHmacSha512.Factory };
        using var provider = key.CryptoProviderFactory.CreateAuthenticatedEncryptionProvider(key, SecurityAlgorithms.Aes256CbcHmacSha512);
        Assert.IsType<CbcHmacSha512.EncryptionProvider>(provider);

        var result = provider.Encrypt(P, A, IV);

        Assert.Equal(E, result.Ciphertext);
        Assert.Equal(T, result.AuthenticationTag);
        Assert.Equal(P, provider.Decrypt(E, A, IV, T));
    }

    [Fact]
    public void AlteredCiphertextTagOrAad_Refused_BeforeAnyDecryption()
    {
        var key = new SymmetricSecurityKey(K) { CryptoProviderFactory = CbcHmacSha512.Factory };
        using var provider = key.CryptoProviderFactory.CreateAuthenticatedEncryptionProvider(key, SecurityAlgorithms.Aes256CbcHmacSha512);
        var flipped = (byte[])E.Clone();
        flipped[^1] ^= 1;
        var badTag = (byte[])T.Clone();
        badTag[0] ^= 1;

        Assert.Throws<SecurityTokenDecryptionFailedException>(() => provider.Decrypt(flipped, A, IV, T));
        Assert.Throws<SecurityTokenDecryptionFailedException>(() => provider.Decrypt(E, A, IV, badTag));
        Assert.Throws<SecurityTokenDecryptionFailedException>(() => provider.Decrypt(E, [.. A, 0], IV, T));
        Assert.Throws<SecurityTokenDecryptionFailedException>(() => provider.Decrypt(E, A, IV, T[..16]));
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task Jwe_EncryptedByOneProvider_DecryptsWithTheOther(bool oursEncrypts, bool oursDecrypts)
    {
        var material = RandomNumberGenerator.GetBytes(32);
        var encrypting = Key(material, oursEncrypts);
        var decrypting = Key(material, oursDecrypts);
        var signing = new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
        var handler = new JsonWebTokenHandler();
        var jwe = handler.CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity([new Claim("sub", "alice"), new Claim("scope", "documents.read")]),
            Issuer = "https://issuer.example",
            SigningCredentials = new SigningCredentials(signing, SecurityAlgorithms.HmacSha256),
            EncryptingCredentials = new EncryptingCredentials(encrypting, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512),
        });

        var result = await handler.ValidateTokenAsync(jwe, new TokenValidationParameters
        {
            ValidIssuer = "https://issuer.example",
            ValidateAudience = false,
            IssuerSigningKey = signing,
            TokenDecryptionKey = decrypting,
        });

        Assert.True(result.IsValid, result.Exception?.ToString());
        Assert.Equal("alice", result.Claims["sub"]);

        // The same JWE with one byte of its ciphertext changed is refused.
        var parts = jwe.Split('.');
        var ciphertext = Base64UrlEncoder.DecodeBytes(parts[3]);
        ciphertext[0] ^= 1;
        parts[3] = Base64UrlEncoder.Encode(ciphertext);
        Assert.False((await handler.ValidateTokenAsync(string.Join('.', parts), new TokenValidationParameters
        {
            ValidIssuer = "https://issuer.example",
            ValidateAudience = false,
            IssuerSigningKey = signing,
            TokenDecryptionKey = decrypting,
        })).IsValid);
    }

    private static SymmetricSecurityKey Key(byte[] material, bool ours) =>
        ours ? new SymmetricSecurityKey(material) { KeyId = "enc", CryptoProviderFactory = CbcHmacSha512.Factory } : new SymmetricSecurityKey(material) { KeyId = "enc" };
}
