using System.Diagnostics.Metrics;
using Platform.ServiceDefaults;

namespace Platform.Profile.Users.SigningIn;

/// <summary>
/// Refused sign-ins, <c>platform.signin.failures</c> by <c>platform.signin.reason</c> (<c>unknown_user</c>,
/// <c>wrong_password</c>, <c>locked_out</c>, <c>disabled</c>), and lockouts, <c>platform.signin.lockouts</c>. A
/// rising rate of either is password guessing. Neither carries the user name typed in.
/// </summary>
public sealed class SignInMetrics
{
    public const string UnknownUser = "unknown_user";

    private readonly Counter<long> failures;
    private readonly Counter<long> lockouts;

    public SignInMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(PlatformMeters.SignIn);
        failures = meter.CreateCounter<long>("platform.signin.failures", unit: "{attempt}",
            description: "Refused sign-in attempts, by reason.");
        lockouts = meter.CreateCounter<long>("platform.signin.lockouts", unit: "{lockout}",
            description: "Users locked out after too many wrong passwords in a row.");
    }

    public void Refused(string reason) => failures.Add(1, new KeyValuePair<string, object?>("platform.signin.reason", reason));

    public void Refused(SignInRefused refused)
    {
        Refused(refused.Reason switch
        {
            SignInRefusal.WrongPassword => "wrong_password",
            SignInRefusal.LockedOut => "locked_out",
            SignInRefusal.Disabled => "disabled",
            _ => "other",
        });
        if (refused.Events.OfType<Contracts.Events.UserLockedOut>().Any())
        {
            lockouts.Add(1);
        }
    }
}
