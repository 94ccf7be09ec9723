using Duende.IdentityModel.Client;

namespace Platform.Samples.Tests;

/// <summary>The README's C# snippets that no sample holds, compiled here and run by <see cref="ReadmeSnippetTests"/>.</summary>
public static class ReadmeSnippets
{
    /// <summary>"A service calling an API on its own behalf", in C#.</summary>
    public static async Task<TokenResponse> ClientCredentialsAsync(HttpClient http, string issuer, string secret)
    {
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest { Address = issuer, Policy = { RequireHttps = false } });
        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = discovery.TokenEndpoint, ClientId = "my-shop", ClientSecret = secret, Scope = "api",
        });
        return token;
    }
}
