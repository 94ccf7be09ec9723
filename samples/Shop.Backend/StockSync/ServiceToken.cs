using Shop.Backend.Tokens;

namespace Shop.Backend.StockSync;

/// <summary>
/// The shop's own access token (client_credentials, no user), kept in memory until shortly before it expires.
/// </summary>
public sealed class ServiceToken(PlatformClient platform, ShopSettings settings, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private (string Token, DateTimeOffset ExpiresAt)? current;

    /// <summary>The cached token, or a new one when there is none, it expires soon, or <paramref name="renew"/> (after a 401).</summary>
    public async Task<(string? Token, string? Error)> GetAsync(bool renew, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (!renew && current is { } cached && cached.ExpiresAt - settings.RefreshBeforeExpiry > clock.GetUtcNow())
            {
                return (cached.Token, null);
            }

            var response = await platform.ClientCredentialsAsync(settings.StockSyncScope, cancellationToken);
            if (response.IsError)
            {
                current = null;
                return (null, $"{response.Error} {response.ErrorDescription}".Trim());
            }

            current = (response.AccessToken!, clock.GetUtcNow().AddSeconds(response.ExpiresIn));
            return (response.AccessToken, null);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();
}
