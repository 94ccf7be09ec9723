using Platform.Authorization.Clients.Registering;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Tests;

/// <summary>The registration rules as a pure function: fast, no database.</summary>
public sealed class ClientRegistrationRulesTests
{
    private const string Secret = "a-generated-secret-of-enough-length";

    private static RegisterClient Web(params string[] redirectUris) =>
        new("shop-web", "Shop", [GrantTypes.AuthorizationCode, GrantTypes.RefreshToken], [Scopes.OpenId, Scopes.Profile, Scopes.OfflineAccess], redirectUris);

    [Fact]
    public void Decide_ConfidentialCodeClient_HasCodeRefreshAuthorizationAndEndSessionPermissions()
    {
        var decision = ClientRegistration.Decide(Web("https://shop.example/callback") with { PostLogoutRedirectUris = ["https://shop.example/"] }, Secret);

        var descriptor = Assert.IsType<OpenIddict.Abstractions.OpenIddictApplicationDescriptor>(decision.Descriptor);
        Assert.Equal(ClientTypes.Confidential, descriptor.ClientType);
        Assert.Equal(ApplicationTypes.Web, descriptor.ApplicationType);
        Assert.Equal(ConsentTypes.Explicit, descriptor.ConsentType);
        Assert.Equal(Secret, descriptor.ClientSecret);
        Assert.Equal([new Uri("https://shop.example/callback")], descriptor.RedirectUris);
        Assert.Equal([new Uri("https://shop.example/")], descriptor.PostLogoutRedirectUris);
        foreach (var permission in new[]
        {
            Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession,
            Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
            Permissions.Prefixes.Scope + Scopes.Profile,
        })
        {
            Assert.Contains(permission, descriptor.Permissions);
        }

        Assert.DoesNotContain(Permissions.GrantTypes.Implicit, descriptor.Permissions);
        Assert.DoesNotContain(Permissions.ResponseTypes.Token, descriptor.Permissions);
    }

    [Fact]
    public void Decide_PublicNativeClient_HasNoSecretAndRequiresPkce()
    {
        var request = Web("com.example.shop:/callback", "http://127.0.0.1/callback") with { ClientType = ClientTypes.Public, ApplicationType = ApplicationTypes.Native };

        var descriptor = ClientRegistration.Decide(request, Secret).Descriptor!;

        Assert.Null(descriptor.ClientSecret);
        Assert.Contains(Requirements.Features.ProofKeyForCodeExchange, descriptor.Requirements);
        Assert.Equal(ApplicationTypes.Native, descriptor.ApplicationType);
    }

    [Fact]
    public void Decide_ImplicitAskedForByName_GetsImplicitResponseTypes()
    {
        var request = new RegisterClient("legacy-spa", null, [GrantTypes.Implicit], [Scopes.OpenId], ["https://legacy.example/cb"], ClientType: ClientTypes.Public);

        var descriptor = ClientRegistration.Decide(request, Secret).Descriptor!;

        Assert.Contains(Permissions.GrantTypes.Implicit, descriptor.Permissions);
        Assert.Contains(Permissions.ResponseTypes.IdToken, descriptor.Permissions);
        Assert.Contains(Permissions.ResponseTypes.IdTokenToken, descriptor.Permissions);
        Assert.DoesNotContain(Permissions.ResponseTypes.Code, descriptor.Permissions);
    }

    [Fact]
    public void Decide_ImplicitConsentType_IsKept()
    {
        var descriptor = ClientRegistration.Decide(Web("https://erp.example/cb") with { ConsentType = ConsentTypes.Implicit }, Secret).Descriptor!;

        Assert.Equal(ConsentTypes.Implicit, descriptor.ConsentType);
    }

    [Theory]
    [InlineData("https://shop.example/callback")]
    [InlineData("https://shop.example:8443/callback?tenant=a")]
    [InlineData("http://127.0.0.1:8400/callback")]
    [InlineData("http://[::1]:8400/callback")]
    [InlineData("http://localhost/callback")]
    public void Decide_AcceptableWebRedirectUri_Registers(string uri)
    {
        Assert.Null(ClientRegistration.Decide(Web(uri), Secret).Rejected);
    }

    [Theory]
    [InlineData("/callback")]
    [InlineData("shop.example/callback")]
    [InlineData("https://shop.example/callback#fragment")]
    [InlineData("http://shop.example/callback")]
    [InlineData("http://192.168.1.10/callback")]
    [InlineData("https://user:pw@shop.example/callback")]
    [InlineData("com.example.app:/callback")]
    [InlineData("javascript:alert(1)")]
    [InlineData("")]
    public void Decide_UnacceptableWebRedirectUri_IsRefusedNamingRedirectUris(string uri)
    {
        var rejected = ClientRegistration.Decide(Web(uri), Secret).Rejected;

        Assert.NotNull(rejected);
        Assert.Equal(["redirectUris"], rejected.Errors.Keys);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:text/html,hi")]
    [InlineData("myapp:/callback")]
    public void Decide_NativeClientWithSchemeThatIsNotAReversedDomain_IsRefused(string uri)
    {
        var request = Web(uri) with { ClientType = ClientTypes.Public, ApplicationType = ApplicationTypes.Native };

        Assert.Equal(["redirectUris"], ClientRegistration.Decide(request, Secret).Rejected?.Errors.Keys);
    }

    [Fact]
    public void Decide_PostLogoutRedirectUriOverPlainHttp_IsRefusedNamingTheField()
    {
        var request = Web("https://shop.example/cb") with { PostLogoutRedirectUris = ["http://shop.example/"] };

        Assert.Equal(["postLogoutRedirectUris"], ClientRegistration.Decide(request, Secret).Rejected?.Errors.Keys);
    }

    public static TheoryData<RegisterClient, string> InvalidCombinations => new()
    {
        { new RegisterClient("a-client", null, [GrantTypes.RefreshToken], null, null), "grantTypes" },
        { new RegisterClient("a-client", null, [GrantTypes.ClientCredentials], null, null, ClientType: ClientTypes.Public), "grantTypes" },
        { new RegisterClient("a-client", null, [GrantTypes.Password], null, null), "grantTypes" },
        { new RegisterClient("a-client", null, [GrantTypes.AuthorizationCode], null, null), "redirectUris" },
        { new RegisterClient("a-client", null, [GrantTypes.AuthorizationCode], [Scopes.OfflineAccess], ["https://a.example/cb"]), "scopes" },
        { new RegisterClient("a-client", null, [GrantTypes.ClientCredentials], null, null, PostLogoutRedirectUris: ["https://a.example/"]), "postLogoutRedirectUris" },
        { new RegisterClient("a-client", null, [GrantTypes.AuthorizationCode], null, ["https://a.example/cb"], Introspection: true, ClientType: ClientTypes.Public), "introspection" },
        { new RegisterClient("a-client", null, null, null, ["https://a.example/cb"], ApplicationType: "desktop"), "applicationType" },
        { new RegisterClient("a-client", null, null, null, ["https://a.example/cb"], ConsentType: ConsentTypes.External), "consentType" },
    };

    [Theory]
    [MemberData(nameof(InvalidCombinations))]
    public void Decide_InvalidCombination_IsRefusedNamingTheField(RegisterClient request, string field)
    {
        Assert.Equal([field], ClientRegistration.Decide(request, Secret).Rejected?.Errors.Keys);
    }

    [Fact]
    public void Decide_PublicClientGivenASecretByTheOperator_IsRefusedNamingClientSecret()
    {
        var request = Web("https://a.example/cb") with { ClientType = ClientTypes.Public };

        Assert.Equal(["clientSecret"], ClientRegistration.Decide(request, Secret, secretFromOperator: true).Rejected?.Errors.Keys);
    }

    [Fact]
    public void Decide_RedirectUrisWithoutGrantTypes_DefaultsToAuthorizationCode()
    {
        var descriptor = ClientRegistration.Decide(new RegisterClient("a-client", null, null, null, ["https://a.example/cb"]), Secret).Descriptor!;

        Assert.Contains(Permissions.GrantTypes.AuthorizationCode, descriptor.Permissions);
        Assert.DoesNotContain(Permissions.GrantTypes.ClientCredentials, descriptor.Permissions);
    }
}
