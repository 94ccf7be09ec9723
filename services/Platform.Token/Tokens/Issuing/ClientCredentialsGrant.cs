using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Token.Tokens.Issuing;

/// <summary>A client acting on its own behalf (RFC 6749 §4.4): the token's subject is the client itself.</summary>
public sealed record ClientCredentialsGrant(string ClientId, string? DisplayName, ImmutableArray<string> Scopes)
{
    public ClaimsPrincipal ToPrincipal(IEnumerable<string> resources)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, ClientId);
        identity.SetClaim(Claims.Name, DisplayName ?? ClientId);
        identity.SetScopes(Scopes);
        identity.SetResources(resources);
        identity.SetDestinations(_ => [Destinations.AccessToken]);
        return new ClaimsPrincipal(identity);
    }
}
