namespace Platform.Contracts.Events;

/// <summary>A user account was created. The password hash lives in a document, never in an event.</summary>
/// <param name="UserId">The user's identifier, the <c>sub</c> of their tokens (stream id).</param>
/// <param name="UserName">The name the user signs in with (personal data, maskable).</param>
/// <param name="Email">The user's e-mail address (personal data, maskable).</param>
/// <param name="RegisteredAt">When it committed.</param>
public sealed record UserRegistered(string UserId, string UserName, string? Email, DateTimeOffset RegisteredAt);

/// <summary>A user's profile changed.</summary>
/// <param name="UserId">The user's identifier.</param>
/// <param name="Email">The new e-mail address (personal data, maskable).</param>
/// <param name="DisplayName">The new display name (personal data, maskable).</param>
/// <param name="UpdatedAt">When it committed.</param>
public sealed record UserProfileUpdated(string UserId, string? Email, string? DisplayName, DateTimeOffset UpdatedAt);

/// <summary>A user's password was set or reset. The hash is in the user's credential document.</summary>
/// <param name="UserId">The user's identifier.</param>
/// <param name="ChangedBy"><c>user</c> or <c>admin</c>.</param>
/// <param name="ChangedAt">When it committed.</param>
public sealed record UserPasswordChanged(string UserId, string ChangedBy, DateTimeOffset ChangedAt);

/// <summary>A user signed in.</summary>
/// <param name="UserId">The user's identifier.</param>
/// <param name="SessionId">The identifier of the sign-in session (not a credential).</param>
/// <param name="SignedInAt">When it committed.</param>
public sealed record UserSignedIn(string UserId, string SessionId, DateTimeOffset SignedInAt);

/// <summary>A user signed out (RP-initiated logout at the end-session endpoint, or the account's sign-out).</summary>
/// <param name="UserId">The user's identifier.</param>
/// <param name="SessionId">The identifier of the sign-in session that ended (not a credential); null when the session carried none.</param>
/// <param name="SignedOutAt">When it committed.</param>
public sealed record UserSignedOut(string UserId, string? SessionId, DateTimeOffset SignedOutAt);

/// <summary>A sign-in attempt for an existing user failed.</summary>
/// <param name="UserId">The user's identifier.</param>
/// <param name="FailedAttempts">Consecutive failures including this one.</param>
/// <param name="FailedAt">When it committed.</param>
public sealed record UserSignInFailed(string UserId, int FailedAttempts, DateTimeOffset FailedAt);

/// <summary>A user was locked out after repeated failures.</summary>
/// <param name="UserId">The user's identifier.</param>
/// <param name="LockedUntil">When sign-in is allowed again.</param>
/// <param name="LockedAt">When it committed.</param>
public sealed record UserLockedOut(string UserId, DateTimeOffset LockedUntil, DateTimeOffset LockedAt);

/// <summary>A locked-out user was unlocked by an operator before the lockout ended.</summary>
/// <param name="UserId">The user's identifier.</param>
/// <param name="UnlockedAt">When it committed.</param>
public sealed record UserUnlocked(string UserId, DateTimeOffset UnlockedAt);

/// <summary>A user was disabled: no sign-in, and their tokens are inactive.</summary>
/// <param name="UserId">The user's identifier.</param>
/// <param name="Reason">Why, in words an operator wrote.</param>
/// <param name="DisabledAt">When it committed.</param>
public sealed record UserDisabled(string UserId, string? Reason, DateTimeOffset DisabledAt);

/// <summary>A disabled user was enabled again. Tokens revoked while disabled stay revoked.</summary>
/// <param name="UserId">The user's identifier.</param>
/// <param name="EnabledAt">When it committed.</param>
public sealed record UserEnabled(string UserId, DateTimeOffset EnabledAt);
