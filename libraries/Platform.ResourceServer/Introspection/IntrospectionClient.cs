using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;

namespace Platform.ResourceServer.Introspection;

/// <summary>
/// Asks the authorization server about a token (RFC 7662 §2.1) as the API's own client and turns the answer into a
/// verdict. Anything but a well-formed answer (no connection, a timeout, a 5xx, the API's own credentials refused,
/// a body that is not a JSON object with a boolean <c>active</c>) is <see cref="TokenVerdict.Unavailable"/>.
/// </summary>
internal sealed class IntrospectionClient(IHttpClientFactory clients, AuthorizationServerMetadata metadata)
{
    public async Task<TokenVerdict> IntrospectAsync(string token, ResourceServerOptions options, string scheme, CancellationToken cancellationToken)
    {
        var (server, problem) = await metadata.GetAsync(options, cancellationToken);
        if (server is null)
        {
            return new TokenVerdict.Unavailable($"the authorization server's discovery document could not be read: {problem}", null);
        }

        var endpoint = options.IntrospectionEndpoint ?? server.IntrospectionEndpoint;
        if (endpoint is null)
        {
            return new TokenVerdict.Unavailable($"the discovery document of {server.Issuer} has no introspection_endpoint", null);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.IntrospectionTimeout);
        try
        {
            using var http = clients.CreateClient(ResourceServerDefaults.HttpClientName);
            using var request = CreateRequest(endpoint, token, options);
            using var response = await http.SendAsync(request, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var retryAfter = response.Headers.RetryAfter?.Delta;
                var why = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest
                    ? $"{endpoint} refused the API's request with {(int)response.StatusCode}: check ClientId, ClientSecret and the client's introspection permission"
                    : $"{endpoint} answered {(int)response.StatusCode}";
                return new TokenVerdict.Unavailable(why, retryAfter);
            }

            var body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            return Judge(body, server.Issuer, options, scheme)
                ?? new TokenVerdict.Unavailable($"{endpoint} answered 200 without a JSON object holding a boolean 'active'", null);
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var why = exception is OperationCanceledException
                ? $"{endpoint} did not answer within {options.IntrospectionTimeout.TotalSeconds:0.#} s"
                : $"{endpoint} could not be reached: {exception.Message}";
            return new TokenVerdict.Unavailable(why, null);
        }
    }

    private static HttpRequestMessage CreateRequest(Uri endpoint, string token, ResourceServerOptions options)
    {
        var form = new List<KeyValuePair<string, string>> { new("token", token), new("token_type_hint", "access_token") };
        if (options.ClientAuthentication == ClientAuthenticationMethod.ClientSecretPost)
        {
            form.Add(new("client_id", options.ClientId!));
            form.Add(new("client_secret", options.ClientSecret!));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (options.ClientAuthentication == ClientAuthenticationMethod.ClientSecretBasic)
        {
            // RFC 6749 §2.3.1: the id and the secret are form-encoded before they are joined and base64-encoded.
            var credentials = $"{Uri.EscapeDataString(options.ClientId!)}:{Uri.EscapeDataString(options.ClientSecret!)}";
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        }

        return request;
    }

    /// <summary>The verdict on an introspection answer, or null when the answer is not one (RFC 7662 §2.2).</summary>
    internal static TokenVerdict? Judge(ReadOnlySpan<byte> body, string issuer, ResourceServerOptions options, string scheme)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!JsonDocument.TryParseValue(ref reader, out var parsed))
            {
                return null;
            }

            document = parsed;
        }
        catch (JsonException)
        {
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("active", out var active) || active.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return null;
            }

            if (!active.GetBoolean())
            {
                return TokenVerdict.Inactive;
            }

            // "active" is the authorization server's judgement of exp and nbf at this moment, on its own clock; the
            // API's clock only ages cached answers.
            var expiresAt = Seconds(root, "exp");
            if (String(root, "token_type") is { } type && !type.Equals("Bearer", StringComparison.OrdinalIgnoreCase) && !type.Equals("access_token", StringComparison.Ordinal))
            {
                return new TokenVerdict.Rejected("The token is not an access token.");
            }

            if (String(root, "iss") is { } tokenIssuer && !AuthorizationServerMetadata.SameIssuer(tokenIssuer, issuer))
            {
                return new TokenVerdict.Rejected("The access token was issued by another authorization server.");
            }

            var audiences = Strings(root, "aud");
            if (options.Audience is { Length: > 0 } audience && !audiences.Contains(audience, StringComparer.Ordinal))
            {
                return new TokenVerdict.Rejected("The access token is not meant for this API (audience).");
            }

            return new TokenVerdict.Accepted(Identity(root, audiences, scheme), String(root, "jti"), expiresAt);
        }
    }

    private static ClaimsIdentity Identity(JsonElement root, string[] audiences, string scheme)
    {
        var identity = new ClaimsIdentity(scheme, TokenClaims.Name, TokenClaims.Role);
        void Add(string type, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                identity.AddClaim(new Claim(type, value));
            }
        }

        Add(TokenClaims.Subject, String(root, "sub"));
        Add(TokenClaims.ClientId, String(root, "client_id"));
        Add(TokenClaims.UserName, String(root, "username"));
        Add(TokenClaims.Name, String(root, "username") ?? String(root, "sub"));
        Add(TokenClaims.TokenId, String(root, "jti"));
        Add(TokenClaims.Issuer, String(root, "iss"));
        foreach (var scope in (String(root, "scope") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            Add(TokenClaims.Scope, scope);
        }

        foreach (var audience in audiences)
        {
            Add(TokenClaims.Audience, audience);
        }

        if (Seconds(root, "exp") is { } exp)
        {
            Add(TokenClaims.ExpiresAt, exp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return identity;
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string[] Strings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return [];
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => [value.GetString()!],
            JsonValueKind.Array => value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToArray(),
            _ => [],
        };
    }

    private static DateTimeOffset? Seconds(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
