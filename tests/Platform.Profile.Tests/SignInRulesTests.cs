using Platform.Contracts.Events;
using Platform.Profile.Account;
using Platform.Profile.Users;
using Platform.Profile.Users.SigningIn;
using Xunit;

namespace Platform.Profile.Tests;

/// <summary>The sign-in rules as pure functions: lockout, the identical refusal, the reset, disabled users and return URLs.</summary>
public sealed class SignInRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly SignInPolicy Policy = new() { MaxFailedAttempts = 5, LockoutDuration = TimeSpan.FromMinutes(15) };
    private static readonly UserAccount Ada = new() { Id = "user-1", UserName = "ada", Email = "ada@example.com" };

    [Fact]
    public void Decide_RightPassword_SignsInWithTheSessionId()
    {
        var decision = SignIn.Decide(Ada, passwordMatches: true, "session-1", Now, Policy);

        var signedIn = Assert.IsType<SignedIn>(decision);
        Assert.Equal(new UserSignedIn("user-1", "session-1", Now), signedIn.Event);
        Assert.Equal([signedIn.Event], decision.Events);
    }

    [Fact]
    public void Decide_WrongPasswordBelowLimit_CountsTheFailureOnly()
    {
        var decision = SignIn.Decide(Ada with { FailedAttempts = 3 }, passwordMatches: false, "session-1", Now, Policy);

        var refused = Assert.IsType<SignInRefused>(decision);
        Assert.Equal(SignInRefusal.WrongPassword, refused.Reason);
        Assert.Equal([new UserSignInFailed("user-1", 4, Now)], refused.Events);
    }

    [Fact]
    public void Decide_WrongPasswordReachingLimit_LocksOutForTheDuration()
    {
        var decision = SignIn.Decide(Ada with { FailedAttempts = 4 }, passwordMatches: false, "session-1", Now, Policy);

        var refused = Assert.IsType<SignInRefused>(decision);
        Assert.Equal(SignInRefusal.WrongPassword, refused.Reason);
        Assert.Equal([new UserSignInFailed("user-1", 5, Now), new UserLockedOut("user-1", Now.AddMinutes(15), Now)], refused.Events);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decide_WhileLockedOut_RefusesWhateverThePasswordAndRecordsNothing(bool passwordMatches)
    {
        var decision = SignIn.Decide(Ada with { LockedUntil = Now.AddSeconds(1) }, passwordMatches, "session-1", Now, Policy);

        var refused = Assert.IsType<SignInRefused>(decision);
        Assert.Equal(SignInRefusal.LockedOut, refused.Reason);
        Assert.Empty(refused.Events);
    }

    [Fact]
    public void Decide_LockoutOver_SignsIn()
    {
        var decision = SignIn.Decide(Ada with { LockedUntil = Now }, passwordMatches: true, "session-1", Now, Policy);

        Assert.IsType<SignedIn>(decision);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decide_DisabledUser_RefusedWhateverThePassword(bool passwordMatches)
    {
        var decision = SignIn.Decide(Ada with { Enabled = false }, passwordMatches, "session-1", Now, Policy);

        var refused = Assert.IsType<SignInRefused>(decision);
        Assert.Equal(SignInRefusal.Disabled, refused.Reason);
        Assert.Empty(refused.Events);
    }

    [Fact]
    public void Projection_FailuresThenSignIn_ResetsTheCount()
    {
        var user = UserAccountProjection.Apply(new UserSignInFailed("user-1", 1, Now), Ada);
        user = UserAccountProjection.Apply(new UserSignInFailed("user-1", 2, Now), user);
        Assert.Equal(2, user.FailedAttempts);

        user = UserAccountProjection.Apply(new UserSignedIn("user-1", "session-1", Now), user);

        Assert.Equal(0, user.FailedAttempts);
        var next = SignIn.Decide(user, passwordMatches: false, "session-2", Now, Policy);
        Assert.Equal([new UserSignInFailed("user-1", 1, Now)], next.Events);
    }

    [Fact]
    public void Projection_LockedOut_StartsTheCountAgainAfterwards()
    {
        var user = UserAccountProjection.Apply(new UserSignInFailed("user-1", 5, Now), Ada);
        user = UserAccountProjection.Apply(new UserLockedOut("user-1", Now.AddMinutes(15), Now), user);

        Assert.Equal(Now.AddMinutes(15), user.LockedUntil);
        var afterLockout = SignIn.Decide(user, passwordMatches: false, "session-1", Now.AddMinutes(16), Policy);
        Assert.Equal([new UserSignInFailed("user-1", 1, Now.AddMinutes(16))], afterLockout.Events);
    }

    [Theory]
    [InlineData("/", true)]
    [InlineData("/connect/authorize?client_id=shop&redirect_uri=https%3A%2F%2Fshop.example%2Fcb", true)]
    [InlineData("https://evil.example/", false)]
    [InlineData("//evil.example", false)]
    [InlineData("/\\evil.example", false)]
    [InlineData("/\t/evil.example", false)]
    [InlineData("/\n/evil.example", false)]
    [InlineData("evil.example", false)]
    [InlineData("javascript:alert(1)", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void LocalUrl_IsLocal_OnlyForAPathOnThisSite(string? url, bool local)
    {
        Assert.Equal(local, LocalUrl.IsLocal(url));
        Assert.Equal(local ? url : "/account/apps", LocalUrl.OrAccountHome(url));
    }
}
