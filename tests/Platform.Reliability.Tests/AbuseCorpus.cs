using System.Text;
using Platform.Testing;

namespace Platform.Reliability.Tests;

/// <summary>
/// A generated request corpus: a plausible request to every public endpoint, then each mutated the ways clients and
/// attackers get requests wrong: other methods, content types and encodings, repeated and oversized parameters, CRLF
/// and NUL in values, invalid UTF-8, huge headers and bodies, open-redirect targets.
/// </summary>
public static class AbuseCorpus
{
    /// <summary>Where an attacker would like to be sent.</summary>
    public const string Evil = "https://evil.example/steal";

    private sealed record Seed(string Method, string Path, string Query, string? ContentType, string Body, string? Authorization);

    public static IReadOnlyList<(string Name, byte[] Request)> Generate(PlatformCluster cluster, int port)
    {
        var admin = PlatformCluster.Basic(cluster.Admin.Id, cluster.Admin.Secret).ToString();
        var api = PlatformCluster.Basic(cluster.Api.Id, cluster.Api.Secret).ToString();
        var web = PlatformCluster.Basic(cluster.Web.Id, cluster.Web.Secret).ToString();
        var redirect = Uri.EscapeDataString(cluster.Web.RedirectUri.AbsoluteUri);
        var form = "application/x-www-form-urlencoded";
        var seeds = new Seed[]
        {
            new("GET", "/.well-known/openid-configuration", "", null, "", null),
            new("GET", "/.well-known/oauth-authorization-server", "", null, "", null),
            new("GET", "/.well-known/jwks", "", null, "", null),
            new("GET", "/connect/authorize", $"client_id={cluster.Web.Id}&response_type=code&scope=openid&redirect_uri={redirect}&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256", null, "", null),
            new("GET", "/connect/authorize", $"client_id={cluster.Web.Id}&response_type=code&scope=openid&redirect_uri={Uri.EscapeDataString(Evil)}&state=s", null, "", null),
            new("GET", "/connect/endsession", $"client_id={cluster.Web.Id}&post_logout_redirect_uri={Uri.EscapeDataString(Evil)}&state=s", null, "", null),
            new("POST", "/connect/token", "", form, "grant_type=client_credentials&scope=api", admin),
            new("POST", "/connect/token", "", form, $"grant_type=authorization_code&code=abc&redirect_uri={redirect}&code_verifier=x", web),
            new("POST", "/connect/token", "", form, "grant_type=refresh_token&refresh_token=abc", web),
            new("POST", "/connect/revoke", "", form, "token=abc&token_type_hint=access_token", admin),
            new("POST", "/connect/introspect", "", form, "token=abc", api),
            new("POST", "/connect/device", "", form, $"client_id={cluster.Web.Id}&scope=openid", web),
            new("POST", "/connect/register", "", "application/json", $$"""{"redirect_uris":["{{Evil}}"],"client_name":"x"}""", null),
            new("GET", "/connect/userinfo", "", null, "", "Bearer abc"),
            new("POST", "/admin/clients", "", "application/json", """{"clientId":"x","scopes":["api"]}""", "Bearer abc"),
            new("GET", "/admin/users", "", null, "", "Bearer abc"),
            new("GET", "/audit/token/abc", "", null, "", "Bearer abc"),
            new("POST", "/admin/projections/rebuild", "", null, "", "Bearer abc"),
            new("GET", "/account/login", $"ReturnUrl={Uri.EscapeDataString(Evil)}", null, "", null),
            new("POST", "/account/login", $"ReturnUrl={Uri.EscapeDataString(Evil)}", form, "Login=corpus-nobody&Password=wrong", null),
            new("GET", "/account/logout", $"ReturnUrl={Uri.EscapeDataString(Evil)}", null, "", null),
            new("POST", "/account/logout", $"ReturnUrl={Uri.EscapeDataString(Evil)}", form, "", null),
            new("GET", "/account/apps", "", null, "", null),
            new("GET", "/consent", "", null, "", null),
            new("GET", "/admin/openapi/authorization.json", "", null, "", null),
            new("GET", "/admin/openapi/profile.json", "", null, "", null),
        };

        var corpus = new List<(string, byte[])>();
        foreach (var seed in seeds)
        {
            foreach (var (mutation, request) in Mutate(seed, port))
            {
                corpus.Add(($"{seed.Method} {seed.Path} [{mutation}]", request));
            }
        }

        return corpus;
    }

    private static IEnumerable<(string, byte[])> Mutate(Seed seed, int port)
    {
        var host = $"localhost:{port}";
        byte[] Build(string method, string target, IEnumerable<string> headers, byte[] body, bool contentLength = true)
        {
            var head = new StringBuilder($"{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
            foreach (var header in headers)
            {
                head.Append(header).Append("\r\n");
            }

            if (contentLength)
            {
                head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
            }

            head.Append("\r\n");
            return [.. Encoding.Latin1.GetBytes(head.ToString()), .. body];
        }

        string Target(string query) => query.Length == 0 ? seed.Path : $"{seed.Path}?{query}";
        IEnumerable<string> Headers(string? contentType) =>
            new[] { contentType is null ? null : $"Content-Type: {contentType}", seed.Authorization is null ? null : $"Authorization: {seed.Authorization}" }.OfType<string>();
        var body = Encoding.UTF8.GetBytes(seed.Body);
        byte[] Same(string target, byte[] content, string? contentType = null, IEnumerable<string>? extra = null) =>
            Build(seed.Method, target, Headers(contentType ?? seed.ContentType).Concat(extra ?? []), content);
        var parameters = (seed.Body.Length > 0 ? seed.Body : seed.Query).Split('&', StringSplitOptions.RemoveEmptyEntries);
        string Parameters(Func<string, string> each) => string.Join('&', parameters.Select(each));
        byte[] WithParameters(string parameters) => seed.Body.Length > 0
            ? Same(Target(seed.Query), Encoding.Latin1.GetBytes(parameters))
            : Same(Target(parameters), body);

        yield return ("as is", Same(Target(seed.Query), body));
        foreach (var method in new[] { "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "PROPFIND" }.Where(method => method != seed.Method))
        {
            yield return ($"method {method}", Build(method, Target(seed.Query), Headers(seed.ContentType), method is "GET" or "HEAD" or "TRACE" ? [] : body));
        }

        foreach (var contentType in new[] { "application/json", "text/plain", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=utf-16", ";;;==", "application/x-www-form-urlencoded; charset=\"\u00ff\"" })
        {
            yield return ($"content type {contentType}", Same(Target(seed.Query), body, contentType));
        }

        yield return ("no content type", Build(seed.Method, Target(seed.Query), seed.Authorization is null ? [] : [$"Authorization: {seed.Authorization}"], body));
        yield return ("repeated parameters", WithParameters(Parameters(p => $"{p}&{p}")));
        yield return ("a parameter 2,000 times", WithParameters(string.Join('&', Enumerable.Repeat(parameters.FirstOrDefault() ?? "a=b", 2000))));
        yield return ("a 200 KB value", WithParameters(Parameters(p => p + new string('A', 200_000 / Math.Max(1, parameters.Length)))));
        yield return ("CRLF in values", WithParameters(Parameters(p => p + "%0D%0ASet-Cookie:%20x=y%0D%0ALocation:%20" + Uri.EscapeDataString(Evil))));
        yield return ("NUL in values", WithParameters(Parameters(p => p + "%00")));
        yield return ("bad percent-encoding", WithParameters(Parameters(p => p + "%zz%")));
        yield return ("percent-encoded invalid UTF-8", WithParameters(Parameters(p => p + "%C3%28%FF%FE")));
        yield return ("raw invalid UTF-8", WithParameters(string.Join('&', parameters) + "\u00C3(\u00FF\u00FE")); // Latin-1 chars: the bytes C3 28 FF FE
        yield return ("overlong UTF-8 slash", WithParameters(Parameters(p => p + "%C0%AF..%C0%AF")));
        yield return ("invalid UTF-8 in the path", Build(seed.Method, seed.Path + "%FF%C3%28", Headers(seed.ContentType), body));
        yield return ("raw NUL in the path", [.. Encoding.Latin1.GetBytes($"{seed.Method} {seed.Path}\0x HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")]);
        yield return ("a 2 MB body", Same(Target(seed.Query), [.. body, .. Encoding.ASCII.GetBytes("&pad=" + new string('x', 2_000_000))]));
        yield return ("a 16 KB query", Same(Target(seed.Query + (seed.Query.Length > 0 ? "&" : "") + "pad=" + new string('q', 16_000)), body));
        yield return ("a 100 KB header", Same(Target(seed.Query), body, extra: [$"X-Pad: {new string('h', 100_000)}"]));
        yield return ("500 headers", Same(Target(seed.Query), body, extra: Enumerable.Range(0, 500).Select(i => $"X-Pad-{i}: {i}")));
        yield return ("NUL in a header", Same(Target(seed.Query), body, extra: ["X-Bad: a\0b"]));
        yield return ("a folded header", Same(Target(seed.Query), body, extra: ["X-Folded: a", " b"]));
        yield return ("no Host", [.. Encoding.Latin1.GetBytes($"{seed.Method} {Target(seed.Query)} HTTP/1.1\r\nConnection: close\r\nContent-Length: {body.Length}\r\n\r\n"), .. body]);
        yield return ("two Hosts", Same(Target(seed.Query), body, extra: ["Host: evil.example"]));
        yield return ("forwarded host evil", Same(Target(seed.Query), body, extra: ["X-Forwarded-Host: evil.example", "X-Forwarded-Proto: https", "Forwarded: host=evil.example"]));
        yield return ("Content-Length and chunked", Build(seed.Method, Target(seed.Query), Headers(seed.ContentType).Append("Transfer-Encoding: chunked"), body));
        yield return ("Content-Length larger than the body", Build(seed.Method, Target(seed.Query), Headers(seed.ContentType).Append($"Content-Length: {body.Length + 10}"), body, contentLength: false));
        yield return ("Basic without a colon", Build(seed.Method, Target(seed.Query), [.. Headers(seed.ContentType).Where(h => !h.StartsWith("Authorization", StringComparison.Ordinal)), $"Authorization: Basic {Convert.ToBase64String("no-colon"u8)}"], body));
        yield return ("Basic not base64", Build(seed.Method, Target(seed.Query), [.. Headers(seed.ContentType).Where(h => !h.StartsWith("Authorization", StringComparison.Ordinal)), "Authorization: Basic !!!%%%"], body));
        yield return ("a 20 KB bearer", Build(seed.Method, Target(seed.Query), [.. Headers(seed.ContentType).Where(h => !h.StartsWith("Authorization", StringComparison.Ordinal)), $"Authorization: Bearer {new string('t', 20_000)}"], body));
        yield return ("JSON nested 10,000 deep", Same(Target(seed.Query), Encoding.ASCII.GetBytes(new string('[', 10_000) + new string(']', 10_000)), "application/json"));
        yield return ("JSON truncated", Same(Target(seed.Query), "{\"a\":"u8.ToArray(), "application/json"));
    }

    /// <summary>
    /// Whether a redirect stays where Platform may send a browser: a path on the issuer, the issuer itself, or a URI the
    /// client registered (exactly, up to the query).
    /// </summary>
    public static bool IsSafeRedirect(string location, PlatformCluster cluster)
    {
        if (location.StartsWith('/'))
        {
            return !location.StartsWith("//", StringComparison.Ordinal) && !location.StartsWith("/\\", StringComparison.Ordinal);
        }

        if (!Uri.TryCreate(location, UriKind.Absolute, out var target))
        {
            return false;
        }

        var registered = new[] { cluster.Web.RedirectUri, cluster.Web.PostLogoutRedirectUri };
        return (target.Scheme == cluster.Issuer.Scheme && target.Authority == cluster.Issuer.Authority)
            || registered.Any(uri => target.GetLeftPart(UriPartial.Path) == uri.GetLeftPart(UriPartial.Path));
    }
}
