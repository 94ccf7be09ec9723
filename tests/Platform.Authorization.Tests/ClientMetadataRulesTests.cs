using System.Text.Json;
using Platform.Authorization.Clients.RotatingSecret;
using Platform.Authorization.DynamicRegistration;
using Platform.Identity.Clients;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>The pure rules behind dynamic registration and secret rotation, without a database.</summary>
public sealed class ClientMetadataRulesTests
{
    private static readonly IReadOnlySet<string> Known = new HashSet<string> { "openid", "offline_access", "orders", "platform.admin" };

    private static (RequestedClient?, RegistrationError?) Decide(string json, RegistrationMode mode = RegistrationMode.Open) =>
        ClientMetadata.Decide(JsonDocument.Parse(json).RootElement, mode, Known);

    [Fact]
    public void Decide_Defaults_AreAuthorizationCodeWithCodeAndClientSecretBasic()
    {
        var (client, error) = Decide("""{"redirect_uris":["https://shop.example/cb"]}""");

        Assert.Null(error);
        Assert.Equal(["authorization_code"], client!.Registration.GrantTypes);
        Assert.Equal("client_secret_basic", client.TokenEndpointAuthMethod);
        Assert.Equal("confidential", client.Registration.ClientType);
        Assert.Equal("explicit", client.Registration.ConsentType);
        Assert.False(client.Registration.Introspection);
    }

    [Fact]
    public void Decide_AuthMethodNone_IsAPublicClient()
    {
        var (client, _) = Decide("""{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none"}""");

        Assert.Equal("public", client!.Registration.ClientType);
    }

    [Theory]
    [InlineData(RegistrationMode.Open, "invalid_client_metadata")]
    [InlineData(RegistrationMode.Protected, null)]
    public void Decide_ClientCredentials_OnlyWhenProtected(RegistrationMode mode, string? error)
    {
        var (_, refused) = Decide("""{"grant_types":["client_credentials"],"response_types":[],"scope":"orders"}""", mode);

        Assert.Equal(error, refused?.Error);
    }

    [Fact]
    public void Decide_LoopbackHttpRedirect_IsAcceptedButAPublicHostIsNot()
    {
        Assert.Null(Decide("""{"redirect_uris":["http://localhost:8080/cb"]}""").Item2);
        Assert.Equal(ClientMetadata.InvalidRedirectUri, Decide("""{"redirect_uris":["http://shop.example/cb"]}""").Item2!.Error);
    }

    [Fact]
    public void Decide_PlatformScope_IsReservedEvenWhenItExists()
    {
        var (_, error) = Decide("""{"redirect_uris":["https://shop.example/cb"],"scope":"openid platform.admin"}""", RegistrationMode.Protected);

        Assert.Equal(ClientMetadata.InvalidClientMetadata, error!.Error);
        Assert.Contains("platform.admin", error.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Rotate_Overlap_EndsAtTheRotationTimePlusTheOverlap()
    {
        var now = DateTimeOffset.UtcNow;
        var client = new Client { Id = "app", ClientType = "confidential", ClientSecret = ClientSecrets.Hash("old") };

        var (rotated, errors) = SecretRotation.Rotate(client, ClientSecrets.Hash("new"), 600, now);

        Assert.Null(errors);
        Assert.Equal(now.AddMinutes(10), rotated!.PreviousSecretValidUntil);
        Assert.Null(SecretRotation.Rotate(client, ClientSecrets.Hash("new"), null, now).Rotated!.PreviousSecretValidUntil);
        Assert.Null(SecretRotation.Rotate(client, ClientSecrets.Hash("new"), 0, now).Rotated!.PreviousSecretValidUntil);
    }
}
