using Platform.Identity.Clients;
using Xunit;

namespace Platform.Identity.Tests.Clients;

public sealed class ClientSecretsTests
{
    [Fact]
    public void Verify_RightSecret_Accepts()
    {
        var secret = ClientSecrets.Generate();

        Assert.True(ClientSecrets.Verify(secret, ClientSecrets.Hash(secret)));
    }

    [Fact]
    public void Verify_WrongSecret_Rejects()
    {
        var hash = ClientSecrets.Hash(ClientSecrets.Generate());

        Assert.False(ClientSecrets.Verify(ClientSecrets.Generate(), hash));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-hash")]
    [InlineData("sha256:")]
    [InlineData("sha256:AAAA")]
    [InlineData("sha256:!!!not-base64!!!")]
    public void Verify_MissingOrMalformedHash_Rejects(string? storedHash)
    {
        Assert.False(ClientSecrets.Verify("anything", storedHash));
    }

    [Fact]
    public void Verify_EmptyPresentedSecret_Rejects()
    {
        Assert.False(ClientSecrets.Verify("", ClientSecrets.Hash("x")));
    }

    [Fact]
    public void Generate_TwoCalls_GiveDistinct256BitSecrets()
    {
        var first = ClientSecrets.Generate();
        var second = ClientSecrets.Generate();

        Assert.NotEqual(first, second);
        Assert.Equal(43, first.Length);
        Assert.DoesNotContain('+', first + second);
        Assert.DoesNotContain('/', first + second);
        Assert.StartsWith("sha256:", ClientSecrets.Hash(first), StringComparison.Ordinal);
    }
}
