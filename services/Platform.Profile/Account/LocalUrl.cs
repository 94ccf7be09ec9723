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

    /// <summary><paramref name="url"/> when it is local, else the site's root.</summary>
    public static string OrRoot(string? url) => IsLocal(url) ? url! : "/";
}
