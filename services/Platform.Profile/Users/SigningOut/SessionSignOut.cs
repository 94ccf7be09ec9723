using System.Security.Claims;
using Marten;
using Platform.Contracts.Events;
using Platform.Identity.Sessions;

namespace Platform.Profile.Users.SigningOut;

/// <summary>Records the end of a sign-in session (<c>UserSignedOut</c> with the session's id) in the user's stream.</summary>
public sealed class SessionSignOut(IDocumentSession session, TimeProvider time, ILogger<SessionSignOut> logger)
{
    public async Task RecordAsync(ClaimsPrincipal principal, CancellationToken cancellationToken)
    {
        var userId = principal.FindFirst(SignInSession.Claims.Subject)?.Value;
        if (userId is null || await session.LoadAsync<UserAccount>(userId, cancellationToken) is null)
        {
            return;
        }

        var sessionId = principal.FindFirst(SignInSession.Claims.SessionId)?.Value;
        session.Events.Append(userId, new UserSignedOut(userId, sessionId, time.GetUtcNow()));
        await session.SaveChangesAsync(cancellationToken);
        logger.LogInformation("User {UserId} signed out, session {SessionId}", userId, sessionId);
    }
}
