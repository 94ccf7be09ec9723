using Marten.Events.Aggregation;
using Platform.Contracts.Events;

namespace Platform.Profile.Users;

/// <summary>A user as the profile service reads it: an inline projection of the user's stream.</summary>
public sealed record UserAccount
{
    public required string Id { get; init; }
    public required string UserName { get; init; }
    public string? Email { get; init; }
    public string? DisplayName { get; init; }
    public bool Enabled { get; init; } = true;
    public DateTimeOffset RegisteredAt { get; init; }

    /// <summary>Wrong passwords since the last sign-in or lockout; at the policy's limit the user is locked out.</summary>
    public int FailedAttempts { get; init; }

    /// <summary>Until when sign-in is refused, whatever the password; null when not locked out.</summary>
    public DateTimeOffset? LockedUntil { get; init; }

    public DateTimeOffset? LastSignedInAt { get; init; }
    public long Version { get; set; }

    /// <summary>What a user is shown as: the display name when there is one.</summary>
    public string Name => DisplayName ?? UserName;
}

/// <summary>The password hash of a user. A credential: kept in its own document, written with the event, never in an event.</summary>
public sealed record UserCredential(string Id, string PasswordHash);

public sealed partial class UserAccountProjection : SingleStreamProjection<UserAccount, string>
{
    public static UserAccount Create(UserRegistered registered) => new()
    {
        Id = registered.UserId,
        UserName = registered.UserName,
        Email = registered.Email,
        RegisteredAt = registered.RegisteredAt,
    };

    public static UserAccount Apply(UserProfileUpdated updated, UserAccount user) =>
        user with { Email = updated.Email, DisplayName = updated.DisplayName };

    public static UserAccount Apply(UserDisabled disabled, UserAccount user) => user with { Enabled = false };

    public static UserAccount Apply(UserEnabled enabled, UserAccount user) => user with { Enabled = true };

    public static UserAccount Apply(UserSignedIn signedIn, UserAccount user) =>
        user with { FailedAttempts = 0, LockedUntil = null, LastSignedInAt = signedIn.SignedInAt };

    public static UserAccount Apply(UserSignInFailed failed, UserAccount user) => user with { FailedAttempts = failed.FailedAttempts };

    // The count starts again once a lockout is over: the next N wrong passwords lock the user out again.
    public static UserAccount Apply(UserLockedOut locked, UserAccount user) => user with { FailedAttempts = 0, LockedUntil = locked.LockedUntil };

    public static UserAccount Apply(UserUnlocked unlocked, UserAccount user) => user with { FailedAttempts = 0, LockedUntil = null };
}
