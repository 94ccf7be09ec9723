using System.Net.Mail;
using System.Security.Cryptography;
using Platform.Contracts.Events;
using Platform.Profile.Users.Registering;

namespace Platform.Profile.Users.Administering;

/// <summary>A user as the admin API shows it; never a password or its hash.</summary>
public sealed record UserDetails(string Id, string Username, string? Email, string Name, bool Enabled, bool LockedOut, DateTimeOffset CreatedAt)
{
    /// <summary>Until when sign-in is refused, while locked out.</summary>
    public DateTimeOffset? LockedUntil { get; init; }

    public DateTimeOffset? LastSignedInAt { get; init; }

    public static UserDetails From(UserAccount user, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(user);
        var lockedOut = user.LockedUntil > now;
        return new UserDetails(user.Id, user.UserName, user.Email, user.Name, user.Enabled, lockedOut, user.RegisteredAt)
        {
            LockedUntil = lockedOut ? user.LockedUntil : null,
            LastSignedInAt = user.LastSignedInAt,
        };
    }
}

/// <summary>
/// The operator's changes to a user, as pure functions of the user's state: each returns the events to append
/// (none when nothing changes) or the field-named errors. Passwords are never in an event: the caller stores
/// the hash in the user's credential document in the same transaction as <see cref="UserPasswordChanged"/>.
/// </summary>
public static class UserAdministration
{
    public const int MaxReasonLength = 500;
    public const int MaxNameLength = 200;

    /// <summary>A generated password: 18 random bytes, base64url (24 characters, 144 bits).</summary>
    public static string GeneratePassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');

    /// <summary>A new user: <see cref="UserRegistered"/>, and <see cref="UserProfileUpdated"/> when a name is given.</summary>
    public static (IReadOnlyList<object> Events, IReadOnlyDictionary<string, string[]>? Errors) Create(
        string userId, string? username, string? email, string? name, string password, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        var (registered, rejected) = UserRegistration.Decide(new RegisterUser(username ?? "", email, password), userId, now);
        foreach (var (field, why) in rejected?.Errors ?? new Dictionary<string, string[]>())
        {
            // The admin API spells it as the contract does.
            errors[field == "userName" ? "username" : field] = why;
        }

        if (name is { Length: > MaxNameLength } || (name is not null && string.IsNullOrWhiteSpace(name)))
        {
            errors["name"] = [$"A name is 1 to {MaxNameLength} characters."];
        }

        if (errors.Count > 0)
        {
            return ([], errors);
        }

        return (name is null ? [registered!] : [registered!, new UserProfileUpdated(userId, email, name, now)], null);
    }

    /// <summary>A profile change; fields not given keep their value, an explicit null clears it.</summary>
    public static (IReadOnlyList<object> Events, IReadOnlyDictionary<string, string[]>? Errors) UpdateProfile(
        UserAccount user, bool hasEmail, string? email, bool hasName, string? name, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(user);
        var errors = new Dictionary<string, string[]>();
        var newEmail = hasEmail ? email : user.Email;
        var newName = hasName ? name : user.DisplayName;
        if (newEmail is not null && !MailAddress.TryCreate(newEmail, out _))
        {
            errors["email"] = ["The e-mail address is not valid."];
        }

        if (hasName && name is not null && (name.Length > MaxNameLength || string.IsNullOrWhiteSpace(name)))
        {
            errors["name"] = [$"A name is 1 to {MaxNameLength} characters, or null for none."];
        }

        if (errors.Count > 0)
        {
            return ([], errors);
        }

        return newEmail == user.Email && newName == user.DisplayName
            ? ([], null)
            : ([new UserProfileUpdated(user.Id, newEmail, newName, now)], null);
    }

    public static IReadOnlyDictionary<string, string[]>? CheckPassword(string password) =>
        password.Length < UserRegistration.MinimumPasswordLength
            ? new Dictionary<string, string[]> { ["password"] = [$"A password has at least {UserRegistration.MinimumPasswordLength} characters."] }
            : null;

    public static UserPasswordChanged ResetPassword(UserAccount user, DateTimeOffset now) => new(user.Id, "admin", now);

    public static (UserDisabled? Disabled, IReadOnlyDictionary<string, string[]>? Errors) Disable(UserAccount user, string? reason, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (reason is { Length: > MaxReasonLength })
        {
            return (null, new Dictionary<string, string[]> { ["reason"] = [$"A reason is at most {MaxReasonLength} characters."] });
        }

        return (user.Enabled ? new UserDisabled(user.Id, reason, now) : null, null);
    }

    /// <summary>Enabling lets the user sign in and get new tokens; the tokens the disable revoked stay revoked.</summary>
    public static UserEnabled? Enable(UserAccount user, DateTimeOffset now) => user.Enabled ? null : new UserEnabled(user.Id, now);

    /// <summary>Unlocking a user who is not locked out and has no failed attempts records nothing.</summary>
    public static UserUnlocked? Unlock(UserAccount user, DateTimeOffset now) =>
        user.LockedUntil > now || user.FailedAttempts > 0 ? new UserUnlocked(user.Id, now) : null;
}
