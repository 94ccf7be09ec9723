using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using Platform.Identity.Tokens;
using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests;

/// <summary>
/// A reference token's payload stays in the store: it is still encrypted, signed with an HMAC key derived from the
/// key ring (never an RSA key, never a published one), and the service still validates it when the client presents
/// the reference (revocation here; refresh and code redemption in the sign-in tests).
/// </summary>
public sealed class ReferencePayloadTests(TokenServiceFixture fixture) : IClassFixture<TokenServiceFixture>
{
    [Fact]
    public async Task ReferenceAccessToken_StoredPayload_EncryptedAndSignedWithUnpublishedHmacKeyYetRevocable()
    {
        var token = await fixture.RequestTokenAsync();
        var tokenId = await fixture.StreamIdOfAsync(token);
        string payload;
        await using (var session = fixture.Host.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            payload = (await session.LoadAsync<TokenPayload>(tokenId))!.Payload!;
        }

        var options = fixture.Host.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue;
        var handler = new JsonWebTokenHandler();
        var encrypted = handler.ReadJsonWebToken(payload);
        Assert.Equal(SecurityAlgorithms.Aes256KW, encrypted.Alg);
        var signed = handler.ReadJsonWebToken(handler.DecryptToken(encrypted, new TokenValidationParameters
        {
            TokenDecryptionKeys = options.EncryptionCredentials.Select(credentials => credentials.Key),
        }));

        Assert.Equal(SecurityAlgorithms.HmacSha256, signed.Alg);
        var key = Assert.Single(options.SigningCredentials, credentials => credentials.Key.KeyId == signed.Kid).Key;
        Assert.IsType<SymmetricSecurityKey>(key);

        Assert.Equal(200, await fixture.RevokeAsync(token.AccessToken));
        var stream = await EventStoreReader.EventsAsync(fixture.Postgres, tokenId);
        Assert.Equal(["token_issued", "token_revoked"], stream.Select(e => e.Type));
    }
}
