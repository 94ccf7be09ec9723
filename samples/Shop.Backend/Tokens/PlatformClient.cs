using Duende.IdentityModel.Client;

namespace Shop.Backend.Tokens;

/// <summary>
/// The shop's calls to Platform's token and revocation endpoints, with a standard library (Duende.IdentityModel)
/// and nothing but the issuer URL: every endpoint comes from discovery.
/// </summary>
public sealed class PlatformClient(IHttpClientFactory httpClients, ShopSettings settings)
{
    private readonly DiscoveryCache discovery = new(
        settings.Issuer.AbsoluteUri,
        () => httpClients.CreateClient(nameof(PlatformClient)),
        new DiscoveryPolicy { RequireHttps = settings.Issuer.Scheme == Uri.UriSchemeHttps });

    /// <summary>Redeems a refresh token (rotated by Platform: the answer carries the next one).</summary>
    public async Task<TokenResponse> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var endpoints = await DiscoverAsync();
        using var http = httpClients.CreateClient(nameof(PlatformClient));
        return await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = endpoints.TokenEndpoint,
            ClientId = settings.ClientId,
            ClientSecret = settings.ClientSecret,
            RefreshToken = refreshToken,
        }, cancellationToken);
    }

    /// <summary>A token for the shop itself (no user), for service-to-service calls.</summary>
    public async Task<TokenResponse> ClientCredentialsAsync(string scope, CancellationToken cancellationToken)
    {
        var endpoints = await DiscoverAsync();
        using var http = httpClients.CreateClient(nameof(PlatformClient));
        return await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = endpoints.TokenEndpoint,
            ClientId = settings.ClientId,
            ClientSecret = settings.ClientSecret,
            Scope = scope,
        }, cancellationToken);
    }

    /// <summary>RFC 7009 revocation of one of the shop's tokens.</summary>
    public async Task<TokenRevocationResponse> RevokeAsync(string token, string tokenTypeHint, CancellationToken cancellationToken)
    {
        var endpoints = await DiscoverAsync();
        using var http = httpClients.CreateClient(nameof(PlatformClient));
        return await http.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = endpoints.RevocationEndpoint,
            ClientId = settings.ClientId,
            ClientSecret = settings.ClientSecret,
            Token = token,
            TokenTypeHint = tokenTypeHint,
        }, cancellationToken);
    }

    private async Task<DiscoveryDocumentResponse> DiscoverAsync()
    {
        var document = await discovery.GetAsync();
        if (document.IsError)
        {
            discovery.Refresh();
            throw new PlatformUnavailableException($"Platform's discovery document at {settings.Issuer} could not be read: {document.Error}");
        }

        return document;
    }
}

/// <summary>Platform could not be reached or answered nonsense; the shop tells the user to try again later.</summary>
public sealed class PlatformUnavailableException(string message) : Exception(message);
