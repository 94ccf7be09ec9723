using Platform.Projection.ReadModel;

namespace Platform.Projection.Introspection;

/// <summary>
/// Which tokens a caller may learn about: its own (it is the token's client), those meant for it (its client id is
/// among the token's audiences, as for an API whose scope names it as a resource), or any token when the caller is
/// an administration client (permitted the <c>platform.admin</c> scope). Anything else is <c>{"active":false}</c>,
/// the same answer as an unknown token, so a caller cannot even tell that the token exists.
/// </summary>
public static class TokenVisibility
{
    public const string AllTokensPermission = "scp:platform.admin";

    public static bool CanSee(string callerClientId, IReadOnlyList<string> callerPermissions, TokenView token) =>
        string.Equals(token.ClientId, callerClientId, StringComparison.Ordinal)
        || token.Audiences.Contains(callerClientId, StringComparer.Ordinal)
        || callerPermissions.Contains(AllTokensPermission, StringComparer.Ordinal);
}
