using Platform.Authorization.Authorizing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>What <c>/connect/authorize</c> does next, as a pure function of the facts (OpenID Connect Core §3.1.2).</summary>
public sealed class AuthorizeRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    private static AuthorizeFacts SignedIn(params string[] prompt) =>
        new(SignedIn: true, AuthenticatedAt: Now.AddMinutes(-10), Prompt: prompt.ToHashSet(), MaxAge: null, ImplicitConsent: false, GrantCoversScopes: false, Answer: null);

    [Theory]
    [InlineData(false, AuthorizeStep.SignIn)]
    [InlineData(true, AuthorizeStep.LoginRequired)]
    public void Decide_NobodySignedIn_SignsInOrLoginRequiredWithPromptNone(bool promptNone, AuthorizeStep expected)
    {
        var facts = SignedIn(promptNone ? ["none"] : []) with { SignedIn = false, AuthenticatedAt = null };

        Assert.Equal(expected, Authorize.Decide(facts, Now));
    }

    [Fact]
    public void Decide_SignedInWithoutGrant_AsksConsent() => Assert.Equal(AuthorizeStep.AskConsent, Authorize.Decide(SignedIn(), Now));

    [Fact]
    public void Decide_PromptNoneNeedingConsent_ConsentRequired() => Assert.Equal(AuthorizeStep.ConsentRequired, Authorize.Decide(SignedIn("none"), Now));

    [Fact]
    public void Decide_GrantCoversScopes_Issues() => Assert.Equal(AuthorizeStep.Issue, Authorize.Decide(SignedIn() with { GrantCoversScopes = true }, Now));

    [Fact]
    public void Decide_ImplicitConsentClient_Issues() => Assert.Equal(AuthorizeStep.Issue, Authorize.Decide(SignedIn("none") with { ImplicitConsent = true }, Now));

    [Fact]
    public void Decide_PromptConsentDespiteGrant_AsksConsent() =>
        Assert.Equal(AuthorizeStep.AskConsent, Authorize.Decide(SignedIn("consent") with { GrantCoversScopes = true }, Now));

    [Fact]
    public void Decide_PromptLogin_SignsInAgain() =>
        Assert.Equal(AuthorizeStep.SignIn, Authorize.Decide(SignedIn("login") with { GrantCoversScopes = true }, Now));

    [Theory]
    [InlineData(60L, AuthorizeStep.SignIn)]
    [InlineData(3600L, AuthorizeStep.Issue)]
    public void Decide_MaxAge_SignsInAgainOnlyWhenTheSignInIsOlder(long maxAge, AuthorizeStep expected) =>
        Assert.Equal(expected, Authorize.Decide(SignedIn() with { MaxAge = maxAge, GrantCoversScopes = true }, Now));

    [Fact]
    public void Decide_MaxAgeZeroRightAfterSigningIn_DoesNotLoop() =>
        Assert.Equal(AuthorizeStep.Issue, Authorize.Decide(SignedIn() with { MaxAge = 0, AuthenticatedAt = Now.AddSeconds(-1), GrantCoversScopes = true }, Now));

    [Theory]
    [InlineData(Authorize.Allow, AuthorizeStep.Issue)]
    [InlineData(Authorize.Deny, AuthorizeStep.Denied)]
    public void Decide_ConsentAnswer_IssuesOrDenies(string answer, AuthorizeStep expected) =>
        Assert.Equal(expected, Authorize.Decide(SignedIn("consent") with { Answer = answer }, Now));
}
