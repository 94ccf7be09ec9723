using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace Shop.Backend.Sessions;

/// <summary>
/// Keeps each signed-in user's session (claims and tokens) on the server, one file per session, encrypted with
/// ASP.NET Core Data Protection. The browser's cookie carries only the session's random key, so an access or
/// refresh token never reaches the browser, and a copied session folder without the key ring reveals nothing.
/// </summary>
public sealed class EncryptedTicketStore : ITicketStore
{
    private readonly string folder;
    private readonly IDataProtector protector;
    private readonly TimeProvider clock;

    public EncryptedTicketStore(string folder, IDataProtectionProvider dataProtection, TimeProvider clock)
    {
        this.folder = folder;
        this.clock = clock;
        protector = dataProtection.CreateProtector("Shop.Backend.Sessions.v1");
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public async Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        await RenewAsync(key, ticket);
        return key;
    }

    public async Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        var path = PathOf(key);
        var temporary = path + ".tmp";
        await File.WriteAllBytesAsync(temporary, protector.Protect(TicketSerializer.Default.Serialize(ticket)));
        File.Move(temporary, path, overwrite: true);
    }

    public async Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        if (!IsKey(key))
        {
            return null;
        }

        var path = PathOf(key);
        if (!File.Exists(path))
        {
            return null;
        }

        AuthenticationTicket? ticket;
        try
        {
            ticket = TicketSerializer.Default.Deserialize(protector.Unprotect(await File.ReadAllBytesAsync(path)));
        }
        catch (CryptographicException)
        {
            // Written under a key ring this shop no longer has: the user signs in again.
            ticket = null;
        }

        if (ticket?.Properties.ExpiresUtc is { } expires && expires < clock.GetUtcNow())
        {
            ticket = null;
        }

        if (ticket is null)
        {
            File.Delete(path);
        }

        return ticket;
    }

    public Task RemoveAsync(string key)
    {
        if (IsKey(key))
        {
            File.Delete(PathOf(key));
        }

        return Task.CompletedTask;
    }

    /// <summary>The cookie's key names the file: only the hex keys this store makes are accepted.</summary>
    private static bool IsKey(string key) => key.Length == 64 && key.All(char.IsAsciiHexDigitLower);

    private string PathOf(string key) =>
        IsKey(key) ? Path.Combine(folder, key + ".session") : throw new ArgumentException("Not a session key of this store.", nameof(key));
}
