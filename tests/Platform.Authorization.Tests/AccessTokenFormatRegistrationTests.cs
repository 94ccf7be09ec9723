using Platform.Authorization.Clients.Registering;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Tests;

/// <summary>The optional <c>accessTokenFormat</c> of a registration: opaque by default, jwt on request, nothing else.</summary>
public sealed class AccessTokenFormatRegistrationTests
{
    private const string Secret = "a-generated-secret-of-enough-length";

    private static RegisterClient Backend(string? format) =>
        new("shop-backend", "Shop", [GrantTypes.ClientCredentials], ["api"], null, AccessTokenFormat: format);

    [Theory]
    [InlineData(null)]
    [InlineData("opaque")]
    public void Decide_NoOrOpaqueFormat_HasNoFormatSetting(string? format)
    {
        var descriptor = ClientRegistration.Decide(Backend(format), Secret).Descriptor!;

        Assert.False(descriptor.Settings.ContainsKey(ClientRegistration.AccessTokenFormatSetting));
    }

    [Fact]
    public void Decide_JwtFormat_SetsTheSettingTheTokenServiceReads()
    {
        var descriptor = ClientRegistration.Decide(Backend("jwt"), Secret).Descriptor!;

        Assert.Equal("platform:access_token_format", ClientRegistration.AccessTokenFormatSetting);
        Assert.Equal("jwt", descriptor.Settings[ClientRegistration.AccessTokenFormatSetting]);
    }

    [Theory]
    [InlineData("JWT")]
    [InlineData("reference")]
    [InlineData("")]
    public void Decide_UnknownFormat_IsRefusedNamingAccessTokenFormat(string format)
    {
        var rejected = ClientRegistration.Decide(Backend(format), Secret).Rejected;

        Assert.NotNull(rejected);
        Assert.Contains("accessTokenFormat", rejected.Errors.Keys);
    }
}
