namespace Platform.Profile.Account;

/// <summary>
/// A return address the account pages may redirect to: a path on this site, never another one. So the pages
/// cannot be used as an open redirect (<c>//evil.example</c> and <c>/\evil.example</c> are other hosts to a
/// browser, and a browser drops tabs and line breaks, so <c>/\t/evil.example</c> is one too).
/// </summary>
public static class LocalUrl
{
    public static bool IsLocal(string? url) =>
        url is { Length: > 0 } &&
        url[0] == '/' &&
        (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) &&
        !url.Any(char.IsControl);

    /// <summary>Where a user who signed in without a (local) return address lands: their own account page.</summary>
    public const string AccountHome = "/account/apps";

    /// <summary><paramref name="url"/> when it is local, else the user's account page (the issuer's root has no page).</summary>
    public static string OrAccountHome(string? url) => IsLocal(url) ? url! : AccountHome;
}
