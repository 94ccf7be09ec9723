using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Cli.Connection;

/// <summary>
/// Platform's administration and audit APIs through the gateway, as the administration client: a
/// client_credentials token per scope (fetched once per run, never printed), then JSON in and out. Every
/// answer that is not a success becomes a <see cref="RefusedException"/> or an <see cref="UnreachableException"/>.
/// </summary>
public sealed class PlatformApi(HttpClient http, Target target)
{
    public const string AdminScope = "platform.admin";
    public const string AuditScope = "platform.audit";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Dictionary<string, string> tokens = new(StringComparer.Ordinal);

    public Target Target => target;

    /// <summary>Sends a request; returns the answer's JSON, or null for an answer without a body (204).</summary>
    public async Task<JsonElement?> SendAsync(HttpMethod method, string path, object? body, string scope, CancellationToken cancellationToken)
    {
        var token = await TokenAsync(scope, cancellationToken);
        using var request = new HttpRequestMessage(method, new Uri(target.Issuer, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json");
        }

        using var response = await SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw Refusal(method, path, response, text);
        }

        return string.IsNullOrWhiteSpace(text) ? null : Parse(text, path);
    }

    public Task<JsonElement?> GetAsync(string path, string scope, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, body: null, scope, cancellationToken);

    /// <summary>One path segment, escaped (ids may hold characters a URL treats specially).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    private async Task<string> TokenAsync(string scope, CancellationToken cancellationToken)
    {
        if (tokens.TryGetValue(scope, out var cached))
        {
            return cached;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(target.Issuer, "connect/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = scope }),
        };

        // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined for Basic authentication.
        var credentials = $"{Uri.EscapeDataString(target.ClientId)}:{Uri.EscapeDataString(target.ClientSecret)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        using var response = await SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (IsGatewayTrouble(response.StatusCode))
        {
            throw Unreachable(response);
        }

        var json = TryParse(text);
        if (!response.IsSuccessStatusCode || json is not { ValueKind: JsonValueKind.Object } answer
            || !answer.TryGetProperty("access_token", out var accessToken) || accessToken.GetString() is not { Length: > 0 } value)
        {
            var error = json is { ValueKind: JsonValueKind.Object } problem && problem.TryGetProperty("error", out var code) ? code.GetString() : null;
            var description = json is { ValueKind: JsonValueKind.Object } p && p.TryGetProperty("error_description", out var d) ? d.GetString() : null;
            var source = target.Source is null ? $"{Target.ClientIdVariable} and {Target.ClientSecretVariable}" : target.Source;
            throw new RefusedException(
                $"Platform refused a token for '{target.ClientId}' with scope {scope} ({(int)response.StatusCode} {error ?? "no error code"}"
                + (description is null ? "" : $": {description}") + $"). Check the administration client's id and secret ({source}).",
                (int)response.StatusCode, new Dictionary<string, string[]>(), json);
        }

        tokens[scope] = value;
        return value;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new UnreachableException($"Cannot reach Platform at {target.Issuer}: {exception.Message.TrimEnd('.')}. Is it running? (./platform status)");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UnreachableException($"Platform at {target.Issuer} did not answer within {http.Timeout.TotalSeconds:0} s.");
        }
    }

    private Exception Refusal(HttpMethod method, string path, HttpResponseMessage response, string text)
    {
        if (IsGatewayTrouble(response.StatusCode))
        {
            return Unreachable(response);
        }

        var json = TryParse(text);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? title = null;
        string? detail = null;
        if (json is { ValueKind: JsonValueKind.Object } problem)
        {
            title = Text(problem, "title") ?? Text(problem, "error");
            detail = Text(problem, "detail") ?? Text(problem, "error_description");
            if (problem.TryGetProperty("errors", out var fields) && fields.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in fields.EnumerateObject())
                {
                    errors[field.Name] = field.Value.ValueKind == JsonValueKind.Array
                        ? [.. field.Value.EnumerateArray().Select(v => v.ToString())]
                        : [field.Value.ToString()];
                }
            }
        }

        var status = (int)response.StatusCode;
        var summary = status switch
        {
            401 => "Platform did not accept the administration token" + Challenge(response),
            403 => "The administration client may not do this" + Challenge(response),
            404 when json is null => $"Platform has no {method} /{path} (is this Platform version older than the CLI?)",
            _ => detail ?? title ?? $"Platform answered {status} {response.ReasonPhrase}",
        };
        if (status == 400 && errors.Count > 0 && title is not null && detail is null)
        {
            summary = title;
        }

        return new RefusedException(summary, status, errors, json);
    }

    private static string Challenge(HttpResponseMessage response) =>
        response.Headers.WwwAuthenticate.Count > 0 ? $" ({response.Headers.WwwAuthenticate})." : ".";

    private static bool IsGatewayTrouble(HttpStatusCode status) =>
        status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private UnreachableException Unreachable(HttpResponseMessage response) =>
        new($"Platform at {target.Issuer} answered {(int)response.StatusCode} {response.ReasonPhrase}: the gateway cannot reach a service. Check ./platform status.");

    private static JsonElement? TryParse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonElement Parse(string text, string path) =>
        TryParse(text) ?? throw new RefusedException($"Platform's answer to /{path} is not JSON.", 200, new Dictionary<string, string[]>(), null);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
