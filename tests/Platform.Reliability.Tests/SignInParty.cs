using System.Net.Http.Headers;
using System.Net.Http.Json;
using Platform.Testing;

namespace Platform.Reliability.Tests;

/// <summary>
/// The web application and the user of the workload's user loop, registered through the administration API as an
/// operator would: a confidential client with the authorization code (PKCE) and refresh token grants, consent
/// implicit, the <c>api</c> scope (so the demo API may introspect its access tokens) and introspection of its own
/// tokens; and a user of its own (the seeded demo user is the one the brute-force test locks out).
/// </summary>
public sealed record SignInParty(string ClientId, string ClientSecret, string RedirectUri, string UserName, string Password)
{
    public const string Scopes = "openid offline_access api";

    public (string Id, string Secret) Client => (ClientId, ClientSecret);

    public static async Task<SignInParty> RegisterAsync(PlatformCluster cluster)
    {
        const string redirectUri = "http://127.0.0.1:8401/callback";
        var (clientId, secret) = await cluster.RegisterClientAsync(new
        {
            clientId = $"workload-web-{Guid.NewGuid():N}",
            grantTypes = new[] { "authorization_code", "refresh_token" },
            redirectUris = new[] { redirectUri },
            scopes = Scopes.Split(' '),
            consentType = "implicit",
            introspection = true,
        });

        var userName = $"workload-{Guid.NewGuid():N}"[..24];
        var password = PlatformCluster.NewSecret()[..24];
        using var http = cluster.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await cluster.GetTokenAsync(cluster.Admin, "platform.admin"));
        using var created = await http.PostAsJsonAsync("admin/users", new { username = userName, email = $"{userName}@example.com", password });
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The workload's user could not be created: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        return new SignInParty(clientId, secret, redirectUri, userName, password);
    }
}
