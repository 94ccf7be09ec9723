using Marten;
using Marten.Events;
using Platform.Contracts.Events;

namespace Platform.Token.Tokens.Issuing;

/// <summary>
/// Whether a user may still get tokens: registered and not disabled. The token service reads it from the
/// user's stream (the profile service's <c>UserAccount</c> document is not part of the token service's
/// schema registration), and only the events that change it: the last of registered, disabled, enabled.
/// </summary>
public static class UserStanding
{
    /// <param name="lastStandingEvent">The user's last <see cref="UserRegistered"/>, <see cref="UserDisabled"/> or
    /// <see cref="UserEnabled"/>; null when the user does not exist.</param>
    public static bool AllowsTokens(object? lastStandingEvent) => lastStandingEvent is UserRegistered or UserEnabled;

    public static async Task<bool> AllowsTokensAsync(IQuerySession session, string userId, CancellationToken cancellationToken)
    {
        var last = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == userId)
            .Where(e => e.EventTypesAre(typeof(UserRegistered), typeof(UserDisabled), typeof(UserEnabled)))
            .OrderByDescending(e => e.Version)
            .FirstOrDefaultAsync(cancellationToken);
        return AllowsTokens(last?.Data);
    }
}
