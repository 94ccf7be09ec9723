using System.Security.Claims;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using Platform.Contracts.Events;
using Platform.Identity.Server;
using Platform.Token.Tokens.Issuing;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Token.Tests.SignIn;

/// <summary>The decisions the token endpoint makes for a user's grant, as pure functions.</summary>
public sealed class IssuingDecisionsTests
{
    private static readonly HashSet<string> OpenIdOnly = [Scopes.OpenId];
    private static readonly HashSet<string> ProfileAndEmail = [Scopes.OpenId, Scopes.Profile, Scopes.Email];

    [Theory]
    [InlineData(Claims.Name)]
    [InlineData(Claims.Email)]
    [InlineData(Claims.PreferredUsername)]
    public void ClaimDestinations_ScopeReleasingTheClaimGranted_AccessAndIdToken(string claim) =>
        Assert.Equal([Destinations.AccessToken, Destinations.IdentityToken], ClaimDestinations.For(new Claim(claim, "x"), ProfileAndEmail));

    [Theory]
    [InlineData(Claims.Name)]
    [InlineData(Claims.Email)]
    public void ClaimDestinations_ScopeNotGranted_AccessTokenOnly(string claim) =>
        Assert.Equal([Destinations.AccessToken], ClaimDestinations.For(new Claim(claim, "x"), OpenIdOnly));

    [Fact]
    public void ClaimDestinations_EmailScopeOnly_NameStaysOutOfTheIdToken()
    {
        HashSet<string> emailOnly = [Scopes.OpenId, Scopes.Email];
        Assert.Equal([Destinations.AccessToken], ClaimDestinations.For(new Claim(Claims.Name, "Ada"), emailOnly));
        Assert.Equal([Destinations.AccessToken, Destinations.IdentityToken], ClaimDestinations.For(new Claim(Claims.Email, "a@b"), emailOnly));
    }

    [Theory]
    [InlineData(Claims.Subject)]
    [InlineData(Claims.AuthenticationTime)]
    [InlineData("sid")]
    public void ClaimDestinations_SubjectAndSignInClaims_AlwaysIdToken(string claim) =>
        Assert.Equal([Destinations.AccessToken, Destinations.IdentityToken], ClaimDestinations.For(new Claim(claim, "1"), OpenIdOnly));

    [Fact]
    public void ClaimDestinations_OpenIddictPrivateClaim_LeftToOpenIddict() =>
        Assert.Empty(ClaimDestinations.For(new Claim(Claims.Private.AuthorizationId, "g"), ProfileAndEmail));

    [Fact]
    public void RedeemedGrant_Renew_KeepsClaimsScopesAndGrantAndSetsDestinations()
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType);
        identity.SetClaim(Claims.Subject, "user-1").SetClaim(Claims.Name, "Ada").SetClaim(Claims.Email, "ada@example.test");
        identity.SetScopes(Scopes.OpenId, Scopes.Email).SetResources("orders-api").SetAuthorizationId("grant-1");
        identity.SetClaim(Claims.Private.Nonce, "n-1");

        var renewed = RedeemedGrant.Renew(new ClaimsPrincipal(identity));

        Assert.Equal("user-1", renewed.GetClaim(Claims.Subject));
        Assert.Equal([Scopes.OpenId, Scopes.Email], renewed.GetScopes().ToArray());
        Assert.Equal(["orders-api"], renewed.GetResources().ToArray());
        Assert.Equal("grant-1", renewed.GetAuthorizationId());
        Assert.Equal("n-1", renewed.GetClaim(Claims.Private.Nonce));
        var destinations = renewed.GetDestinations();
        Assert.Equal([Destinations.AccessToken], destinations[Claims.Name].ToArray());
        Assert.Equal([Destinations.AccessToken, Destinations.IdentityToken], destinations[Claims.Email].ToArray());
    }

    [Theory]
    [InlineData(TokenTypeIdentifiers.Private.AuthorizationCode, RevocationReasons.CodeReplayed)]
    [InlineData(TokenTypeIdentifiers.RefreshToken, RevocationReasons.RefreshReplayed)]
    [InlineData(TokenTypeIdentifiers.AccessToken, null)]
    [InlineData(null, null)]
    public void ReplayedGrant_ReasonFor_NamesTheReplayedKind(string? tokenType, string? reason) =>
        Assert.Equal(reason, ReplayedGrant.ReasonFor(tokenType));

    [Theory]
    [InlineData("openid orders", "openid", "")]
    [InlineData("openid orders", "orders openid", "")]
    [InlineData("openid", "openid orders", "orders")]
    [InlineData("openid", "openid email orders", "email orders")]
    public void RefreshScope_Wider_NamesWhatTheGrantLacks(string granted, string requested, string wider) =>
        Assert.Equal(wider.Split(' ', StringSplitOptions.RemoveEmptyEntries), RefreshScope.Wider(granted.Split(' '), requested.Split(' ')));

    [Theory]
    [InlineData("jwt", true)]
    [InlineData("JWT", true)]
    [InlineData("reference", false)]
    [InlineData(null, false)]
    public void AccessTokenFormat_IsJwt_OnlyWhenTheClientSaysJwt(string? setting, bool jwt)
    {
        var settings = new Dictionary<string, string>();
        if (setting is not null)
        {
            settings[AccessTokenFormat.SettingName] = setting;
        }

        Assert.Equal(jwt, AccessTokenFormat.IsJwt(settings));
    }

    public static TheoryData<object?, bool> Standings => new()
    {
        { new UserRegistered("u", "ada", null, DateTimeOffset.UtcNow), true },
        { new UserEnabled("u", DateTimeOffset.UtcNow), true },
        { new UserDisabled("u", null, DateTimeOffset.UtcNow), false },
        { null, false },
    };

    [Theory]
    [MemberData(nameof(Standings))]
    public void UserStanding_AllowsTokens_OnlyForARegisteredOrReEnabledUser(object? lastStandingEvent, bool allowed) =>
        Assert.Equal(allowed, UserStanding.AllowsTokens(lastStandingEvent));

    [Fact]
    public void TokenEntry_ParentOf_TheTokenTheGrantRedeems()
    {
        var code = Principal("code-1");
        var refresh = Principal("refresh-1");

        Assert.Equal("code-1", TokenEntry.Persist.ParentOf(GrantTypes.AuthorizationCode, code, null, refresh));
        Assert.Equal("refresh-1", TokenEntry.Persist.ParentOf(GrantTypes.RefreshToken, code, null, refresh));
        Assert.Null(TokenEntry.Persist.ParentOf(GrantTypes.ClientCredentials, code, null, refresh));
        Assert.Null(TokenEntry.Persist.ParentOf(GrantTypes.RefreshToken, null, null, null));
    }

    private static ClaimsPrincipal Principal(string tokenId)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType);
        identity.SetTokenId(tokenId);
        return new ClaimsPrincipal(identity);
    }
}
