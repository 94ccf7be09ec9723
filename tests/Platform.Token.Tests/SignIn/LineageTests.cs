using Platform.Token.Tokens.Revoking;
using Xunit;
using StoredToken = Platform.Identity.Tokens.Token;

namespace Platform.Token.Tests.SignIn;

/// <summary>A sign-in's lineage, as the revocation of one of its refresh tokens finds it among its grant's tokens.</summary>
public sealed class LineageTests
{
    // One grant, two sign-ins: code1 → (at1, rt1) → rt1 rotated → (at2, rt2); code2 → (at3, rt3).
    private static readonly Dictionary<string, StoredToken> Grant = new[]
    {
        Token("code1", null), Token("at1", "code1"), Token("rt1", "code1"), Token("at2", "rt1"), Token("rt2", "rt1"),
        Token("code2", null), Token("at3", "code2"), Token("rt3", "code2"),
    }.ToDictionary(token => token.Id!);

    [Theory]
    [InlineData("rt2")]
    [InlineData("rt1")]
    [InlineData("code1")]
    public void Of_AnyTokenOfASignIn_ThatWholeSignInAndNothingOfTheOther(string revoked)
    {
        Assert.Equal(["at1", "at2", "code1", "rt1", "rt2"], Lineage.Of(revoked, Grant).Select(token => token.Id).Order());
    }

    [Fact]
    public void Of_TheCodePrunedAlready_StillTheWholeSignIn()
    {
        var pruned = Grant.Where(entry => entry.Key != "code1").ToDictionary();

        Assert.Equal(["at1", "at2", "rt1", "rt2"], Lineage.Of("rt2", pruned).Select(token => token.Id).Order());
    }

    [Fact]
    public void Of_ACycleOfParents_Ends()
    {
        var cycle = new[] { Token("a", "b"), Token("b", "a") }.ToDictionary(token => token.Id!);

        Assert.Equal(["a", "b"], Lineage.Of("a", cycle).Select(token => token.Id).Order());
    }

    private static StoredToken Token(string id, string? parent) => new() { Id = id, ParentTokenId = parent };
}
