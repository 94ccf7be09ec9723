using Platform.Contracts.Events;

namespace Platform.Identity.Tokens;

/// <summary>
/// Why the revocations made in the current async flow happen. OpenIddict calls the stores without saying why
/// (a replayed code and a client's revocation request both end in the same store call), so the code that knows
/// says it around the call, and the stores record it in <see cref="TokenRevoked"/> and <see cref="GrantRevoked"/>:
/// <code>using (RevocationReason.Use(RevocationReasons.CodeReplayed)) { await tokens.RevokeByAuthorizationIdAsync(id); }</code>
/// </summary>
public static class RevocationReason
{
    private static readonly AsyncLocal<string?> Ambient = new();

    /// <summary>The reason set by the innermost <see cref="Use"/> scope of this flow, if any.</summary>
    public static string? Current => Ambient.Value;

    /// <summary>Sets the reason until the returned scope is disposed.</summary>
    /// <param name="reason">One of <see cref="RevocationReasons"/>.</param>
    public static IDisposable Use(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var scope = new Scope(Ambient.Value);
        Ambient.Value = reason;
        return scope;
    }

    /// <summary>The ambient reason, else the default of the operation at hand.</summary>
    public static string OrDefault(string fallback) => Ambient.Value ?? fallback;

    private sealed class Scope(string? previous) : IDisposable
    {
        private bool disposed;

        public void Dispose()
        {
            if (!disposed)
            {
                Ambient.Value = previous;
                disposed = true;
            }
        }
    }
}
