using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Identity.Clients;

/// <summary>
/// Client secrets. Platform generates every secret itself (256 random bits), so a fast hash is enough: a slow,
/// salted hash (PBKDF2) defends guessable secrets, and these cannot be guessed, while it would cost milliseconds
/// of CPU on every client authentication. Comparisons are constant-time.
/// </summary>
public static class ClientSecrets
{
    private const string Prefix = "sha256:";
    private const int HashLength = 32;

    /// <summary>A new secret: 32 random bytes, base64url without padding (43 characters).</summary>
    public static string Generate() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The stored form of a secret: <c>sha256:</c> and the base64 of its SHA-256.</summary>
    public static string Hash(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return Prefix + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
    }

    /// <summary>Whether <paramref name="presented"/> is the client's previous secret and its overlap has not ended at <paramref name="now"/>.</summary>
    public static bool VerifyPrevious(string? presented, Client client, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PreviousSecretValidUntil is { } until && now < until && Verify(presented, client.PreviousClientSecret);
    }

    /// <summary>Whether <paramref name="presented"/> is the secret whose hash is <paramref name="storedHash"/>.</summary>
    public static bool Verify(string? presented, string? storedHash)
    {
        if (string.IsNullOrEmpty(presented) || storedHash is null || !storedHash.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HashLength];
        if (!Convert.TryFromBase64String(storedHash[Prefix.Length..], expected, out var written) || written != HashLength)
        {
            return false;
        }

        Span<byte> actual = stackalloc byte[HashLength];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), actual);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
