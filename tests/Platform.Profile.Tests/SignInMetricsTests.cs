using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Platform.ServiceDefaults;
using Platform.Testing;
using Xunit;

namespace Platform.Profile.Tests;

/// <summary>
/// Sign-in failures and lockouts as an operator's password-guessing alert sees them: each refusal counted by its
/// reason, each lockout once, and neither the name typed in nor the password in any tag.
/// </summary>
public sealed class SignInMetricsTests(SignInFixture fixture) : IClassFixture<SignInFixture>
{
    [Fact]
    public async Task Login_WrongPasswordUntilLockedOutThenOnceMore_FailuresByReasonAndOneLockout()
    {
        using var capture = new MeterCapture(fixture.Host.Services.GetRequiredService<IMeterFactory>(), PlatformMeters.SignIn);
        using var browser = fixture.Browser();
        var wrongPassword = PlatformCluster.NewSecret();

        for (var attempt = 0; attempt < SignInFixture.MaxFailedAttempts; attempt++)
        {
            (await SignInFixture.PostLoginAsync(browser, "ken", wrongPassword)).Dispose();
        }

        Assert.Equal(SignInFixture.MaxFailedAttempts, capture.Sum("platform.signin.failures", ("platform.signin.reason", "wrong_password")));
        Assert.Equal(1, capture.Sum("platform.signin.lockouts"));

        (await SignInFixture.PostLoginAsync(browser, "ken", fixture.Password)).Dispose();

        Assert.Equal(1, capture.Sum("platform.signin.failures", ("platform.signin.reason", "locked_out")));
        Assert.Equal(1, capture.Sum("platform.signin.lockouts"));
        AssertNoneInTags(capture, "ken", wrongPassword, fixture.Password);
    }

    [Fact]
    public async Task Login_UnknownUser_CountedAsUnknownUserWithoutTheNameTyped()
    {
        using var capture = new MeterCapture(fixture.Host.Services.GetRequiredService<IMeterFactory>(), PlatformMeters.SignIn);
        using var browser = fixture.Browser();
        var typedName = $"nobody-{Guid.NewGuid():N}";

        (await SignInFixture.PostLoginAsync(browser, typedName, fixture.Password)).Dispose();

        Assert.Equal(1, capture.Sum("platform.signin.failures", ("platform.signin.reason", "unknown_user")));
        Assert.Equal(0, capture.Sum("platform.signin.lockouts"));
        AssertNoneInTags(capture, typedName, fixture.Password);
    }

    private static void AssertNoneInTags(MeterCapture capture, params string[] secrets) =>
        Assert.All(capture.All, measurement => Assert.All(measurement.Tags.Values, value =>
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, value ?? "", StringComparison.Ordinal))));
}
