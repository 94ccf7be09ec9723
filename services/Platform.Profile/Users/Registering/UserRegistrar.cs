using Marten;
using Microsoft.AspNetCore.Identity;

namespace Platform.Profile.Users.Registering;

/// <summary>Registers a user: <c>UserRegistered</c> in a new stream, and the password hash in its document, in one transaction.</summary>
public sealed class UserRegistrar(IDocumentSession session, IPasswordHasher<UserAccount> hasher, TimeProvider time)
{
    public async Task<(string? UserId, UserRejected? Rejected, bool Exists)> RegisterAsync(RegisterUser request, CancellationToken cancellationToken)
    {
        var existing = await session.Query<UserAccount>().FirstOrDefaultAsync(user => user.UserName == request.UserName, cancellationToken);
        if (existing is not null)
        {
            return (existing.Id, null, true);
        }

        var userId = Guid.CreateVersion7().ToString();
        var (registered, rejected) = UserRegistration.Decide(request, userId, time.GetUtcNow());
        if (rejected is not null)
        {
            return (null, rejected, false);
        }

        var account = new UserAccount { Id = userId, UserName = request.UserName };
        session.Events.StartStream<UserAccount>(userId, registered!);
        session.Store(new UserCredential(userId, hasher.HashPassword(account, request.Password)));
        await session.SaveChangesAsync(cancellationToken);
        return (userId, null, false);
    }
}
