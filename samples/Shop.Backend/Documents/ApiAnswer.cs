using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Shop.Backend.Documents;

/// <summary>
/// What the documents API answered, read the way RFC 6750 §3 means it: a <c>401</c> is a token problem (the
/// <c>WWW-Authenticate</c> error says which, usually <c>invalid_token</c>: refresh), a <c>403</c>
/// <c>insufficient_scope</c> is a permission problem (a new token would not help).
/// </summary>
public sealed partial record ApiAnswer(HttpStatusCode Status, string? Error, string? ErrorDescription, string? Scope, TimeSpan? RetryAfter, JsonElement? Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public static async Task<ApiAnswer> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault(h => h.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
        var parameters = Parameters(challenge?.Parameter);
        JsonElement? body = null;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (text.Length > 0)
        {
            try
            {
                body = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                body = JsonSerializer.SerializeToElement(text);
            }
        }

        var retryAfter = response.Headers.RetryAfter?.Delta;
        return new ApiAnswer(response.StatusCode, parameters.GetValueOrDefault("error"), parameters.GetValueOrDefault("error_description"),
            parameters.GetValueOrDefault("scope"), retryAfter, body);
    }

    /// <summary>One line for the activity log: <c>401 invalid_token (The token has expired.)</c>.</summary>
    public string Describe()
    {
        var line = $"{(int)Status} {Status}";
        if (Error is not null)
        {
            line = $"{(int)Status} {Error}";
        }

        if (ErrorDescription is not null)
        {
            line += $" ({ErrorDescription})";
        }

        if (Scope is not null)
        {
            line += $", needs scope '{Scope}'";
        }

        return line;
    }

    /// <summary>The auth-params of a challenge (RFC 9110 §11.2): <c>name="quoted value"</c> or <c>name=token</c>, comma-separated.</summary>
    public static Dictionary<string, string> Parameters(string? challenge)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (challenge is null)
        {
            return parameters;
        }

        foreach (Match match in AuthParam().Matches(challenge))
        {
            var value = match.Groups["quoted"].Success
                ? QuotedPair().Replace(match.Groups["quoted"].Value, "$1")
                : match.Groups["token"].Value;
            parameters.TryAdd(match.Groups["name"].Value, value);
        }

        return parameters;
    }

    [GeneratedRegex("""(?<name>[A-Za-z0-9_!#$%&'*+.^`|~-]+)\s*=\s*(?:"(?<quoted>(?:[^"\\]|\\.)*)"|(?<token>[^\s,]+))""")]
    private static partial Regex AuthParam();

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex QuotedPair();
}
