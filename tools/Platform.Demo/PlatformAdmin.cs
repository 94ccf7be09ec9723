using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Platform.Demo;

/// <summary>
/// The administrator's side of the demo, through the gateway with the seeded <c>platform-admin</c> client:
/// scopes and clients (<c>/admin/*</c>, scope <c>platform.admin</c>) and the audit trail (<c>/audit/*</c>,
/// scope <c>platform.audit</c>).
/// </summary>
public sealed class PlatformAdmin : IDisposable
{
    private readonly HttpClient http;

    private PlatformAdmin(HttpClient http) => this.http = http;

    public static async Task<PlatformAdmin> ConnectAsync(Uri issuer, string clientId, string clientSecret, CancellationToken cancellationToken)
    {
        var http = new HttpClient { BaseAddress = issuer, Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "connect/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["scope"] = "platform.admin platform.audit" }),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(clientSecret)}")));
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new DemoException($"Platform at {issuer} gave {clientId} no administration token ({(int)response.StatusCode} {body}). Is it up (./platform status)?");
            }

            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString());
            return new PlatformAdmin(http);
        }
        catch (HttpRequestException exception)
        {
            http.Dispose();
            throw new DemoException($"Platform does not answer at {issuer} ({exception.Message}): start it with ./platform up.");
        }
    }

    /// <summary>Defines a scope and the resources (audiences) its tokens are for; true when it was new.</summary>
    public async Task<bool> DefineScopeAsync(string name, string displayName, string resource, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("admin/scopes", new { name, displayName, resources = new[] { resource } }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }

        await EnsureAsync(response, $"defining the scope {name}", cancellationToken);
        return true;
    }

    /// <summary>
    /// Registers a client, or brings an existing one up to date (PATCH) and reuses its secret from
    /// <paramref name="secrets"/>; an existing client whose secret was lost gets a new one (rotation).
    /// </summary>
    public async Task<(string Secret, string What)> EnsureClientAsync(string clientId, Dictionary<string, object?> registration, DemoSecrets secrets, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object?>(registration) { ["clientId"] = clientId };
        using var created = await http.PostAsJsonAsync("admin/clients", body, cancellationToken);
        if (created.StatusCode != HttpStatusCode.Conflict)
        {
            var json = await EnsureAsync(created, $"registering {clientId}", cancellationToken);
            var secret = json.GetProperty("client_secret").GetString()!;
            secrets.Save(clientId, secret);
            return (secret, "registered");
        }

        using var patched = await http.PatchAsJsonAsync($"admin/clients/{clientId}", registration, cancellationToken);
        await EnsureAsync(patched, $"updating {clientId}", cancellationToken);
        if (secrets.Find(clientId) is { } kept)
        {
            return (kept, "already registered, settings brought up to date, secret reused");
        }

        using var rotated = await http.PostAsJsonAsync($"admin/clients/{clientId}/secret", new { }, cancellationToken);
        var rotation = await EnsureAsync(rotated, $"rotating the secret of {clientId}", cancellationToken);
        var newSecret = rotation.GetProperty("client_secret").GetString()!;
        secrets.Save(clientId, newSecret);
        return (newSecret, "already registered without a kept secret: secret rotated");
    }

    /// <summary>The newest grant of a client, from <c>GET /admin/grants?clientId=</c>.</summary>
    public async Task<JsonElement?> NewestGrantAsync(string clientId, CancellationToken cancellationToken)
    {
        var grants = await GetAsync($"admin/grants?clientId={Uri.EscapeDataString(clientId)}", cancellationToken);
        return grants.GetArrayLength() > 0 ? grants[0] : null;
    }

    public async Task RevokeGrantAsync(string grantId, CancellationToken cancellationToken)
    {
        using var response = await http.DeleteAsync($"admin/grants/{Uri.EscapeDataString(grantId)}", cancellationToken);
        await EnsureAsync(response, $"revoking grant {grantId}", cancellationToken);
    }

    public async Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(path, cancellationToken);
        return await EnsureAsync(response, $"GET /{path}", cancellationToken);
    }

    private static async Task<JsonElement> EnsureAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DemoException($"Platform refused {what}: {(int)response.StatusCode} {text}");
        }

        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public void Dispose() => http.Dispose();
}

/// <summary>Something the demo cannot go on without: it stops with this sentence.</summary>
public sealed class DemoException(string message) : Exception(message);
