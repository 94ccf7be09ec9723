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
    public long Version { get; set; }
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
}
