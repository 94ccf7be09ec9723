using Platform.Contracts.Events;

namespace Platform.Profile.Users.SigningIn;

/// <summary>How many wrong passwords lock a user out, and for how long (section <c>Platform:SignIn</c>).</summary>
public sealed record SignInPolicy
{
    public const string Section = "Platform:SignIn";

    public int MaxFailedAttempts { get; init; } = 5;

    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>Why a sign-in was refused. For the logs and tests only: the user is told the same thing whatever it is.</summary>
public enum SignInRefusal
{
    WrongPassword,
    LockedOut,
    Disabled,
}

/// <summary>The outcome of a sign-in attempt for an existing user, and the events that record it.</summary>
public abstract record SignInDecision(IReadOnlyList<object> Events);

public sealed record SignedIn(UserSignedIn Event) : SignInDecision([Event]);

public sealed record SignInRefused(SignInRefusal Reason, IReadOnlyList<object> Events) : SignInDecision(Events);

/// <summary>The sign-in rules, as a pure function of the user's state, whether the password matched, and the clock.</summary>
public static class SignIn
{
    public static SignInDecision Decide(UserAccount user, bool passwordMatches, string sessionId, DateTimeOffset now, SignInPolicy policy)
    {
        if (!user.Enabled)
        {
            return new SignInRefused(SignInRefusal.Disabled, []);
        }

        // Refused whatever the password, and not counted: a lockout is not extended by the attempts it stops.
        if (user.LockedUntil > now)
        {
            return new SignInRefused(SignInRefusal.LockedOut, []);
        }

        if (passwordMatches)
        {
            return new SignedIn(new UserSignedIn(user.Id, sessionId, now));
        }

        var failedAttempts = user.FailedAttempts + 1;
        var failed = new UserSignInFailed(user.Id, failedAttempts, now);
        return failedAttempts >= policy.MaxFailedAttempts
            ? new SignInRefused(SignInRefusal.WrongPassword, [failed, new UserLockedOut(user.Id, now + policy.LockoutDuration, now)])
            : new SignInRefused(SignInRefusal.WrongPassword, [failed]);
    }
}
