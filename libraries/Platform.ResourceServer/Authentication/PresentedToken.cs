using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Platform.ResourceServer.Authentication;

/// <summary>The bearer token of a request's <c>Authorization</c> header (RFC 6750 §2.1), if any.</summary>
internal sealed partial record PresentedToken(string? Token, string? Malformed)
{
    // Far beyond any token Platform or a usual authorization server issues; longer is not sent on.
    private const int MaxLength = 8192;

    public static PresentedToken? Read(HttpRequest request)
    {
        var headers = request.Headers[HeaderNames.Authorization];
        if (headers.Count == 0)
        {
            return null;
        }

        var bearer = headers.Where(h => h is not null && IsBearer(h)).ToList();
        if (bearer.Count == 0)
        {
            return null;
        }

        if (headers.Count > 1)
        {
            return new PresentedToken(null, "The request has more than one Authorization header.");
        }

        var token = bearer[0]!["Bearer".Length..].Trim(' ');
        if (token.Length == 0)
        {
            return new PresentedToken(null, "The Authorization header holds no token after 'Bearer'.");
        }

        if (token.Length > MaxLength || !B64Token().IsMatch(token))
        {
            return new PresentedToken(null, "The access token is malformed.");
        }

        return new PresentedToken(token, null);
    }

    private static bool IsBearer(string value) =>
        value.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) && (value.Length == 6 || value[6] == ' ');

    [GeneratedRegex("^[A-Za-z0-9\\-._~+/]+=*$")]
    private static partial Regex B64Token();
}
