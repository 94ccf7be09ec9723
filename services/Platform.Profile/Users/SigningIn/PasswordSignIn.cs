using System.Security.Claims;
using System.Security.Cryptography;
using JasperFx;
using Marten;
using Microsoft.AspNetCore.Identity;
using Platform.Identity.Sessions;

namespace Platform.Profile.Users.SigningIn;

/// <summary>
/// Checks a user name or e-mail and a password: fetch the user's state, verify the hash, decide
/// (<see cref="SignIn.Decide"/>), append the decision's events with the stream version it was made on.
/// Every refusal looks the same from outside, an unknown user included, who still costs one hash verification.
/// </summary>
public sealed class PasswordSignIn(
    IDocumentStore store,
    IPasswordHasher<UserAccount> hasher,
    SignInPolicy policy,
    UnknownUserCredential unknownUser,
    TimeProvider time,
    SignInMetrics metrics,
    ILogger<PasswordSignIn> logger)
{
    private const int ConcurrencyRetries = 3;

    /// <summary>The session's principal when the password checks out; null for every kind of refusal.</summary>
    public async Task<ClaimsPrincipal?> SignInAsync(string login, string password, CancellationToken cancellationToken)
    {
        UserAccount? user;
        UserCredential? credential;
        await using (var query = store.QuerySession())
        {
            user = await FindAsync(query, login, cancellationToken);
            credential = user is null ? null : await query.LoadAsync<UserCredential>(user.Id, cancellationToken);
        }

        if (user is null || credential is null)
        {
            hasher.VerifyHashedPassword(unknownUser.Account, unknownUser.PasswordHash, password);
            logger.LogInformation("Sign-in refused: no such user");
            metrics.Refused(SignInMetrics.UnknownUser);
            return null;
        }

        var passwordMatches = hasher.VerifyHashedPassword(user, credential.PasswordHash, password) != PasswordVerificationResult.Failed;
        var sessionId = Base64Url(RandomNumberGenerator.GetBytes(16));
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var stream = await session.Events.FetchForWriting<UserAccount>(user.Id, cancellationToken);
            var current = stream.Aggregate ?? user;
            var decision = SignIn.Decide(current, passwordMatches, sessionId, time.GetUtcNow(), policy);
            stream.AppendMany(decision.Events);
            try
            {
                await session.SaveChangesAsync(cancellationToken);
            }
            catch (ConcurrencyException) when (attempt < ConcurrencyRetries)
            {
                // Another attempt for this user committed first: decide again on the state it left.
                continue;
            }

            switch (decision)
            {
                case SignedIn signedIn:
                    logger.LogInformation("User {UserId} signed in, session {SessionId}", current.Id, signedIn.Event.SessionId);
                    return ToPrincipal(current, signedIn.Event);
                case SignInRefused refused:
                    logger.LogInformation("Sign-in refused for user {UserId}: {Reason}", current.Id, refused.Reason);
                    metrics.Refused(refused);
                    return null;
                default:
                    throw new InvalidOperationException($"Unknown sign-in decision {decision.GetType().Name}.");
            }
        }
    }

    private static async Task<UserAccount?> FindAsync(IQuerySession query, string login, CancellationToken cancellationToken)
    {
        // A user name is matched before an e-mail address: a user name may look like someone else's address.
        var candidates = await query.Query<UserAccount>()
            .Where(user => user.UserName == login || user.Email == login)
            .Take(2)
            .ToListAsync(cancellationToken);
        return candidates.FirstOrDefault(user => user.UserName == login) ?? (candidates.Count > 0 ? candidates[0] : null);
    }

    private static ClaimsPrincipal ToPrincipal(UserAccount user, Contracts.Events.UserSignedIn signedIn)
    {
        var claims = new List<Claim>
        {
            new(SignInSession.Claims.Subject, user.Id),
            new(SignInSession.Claims.Name, user.Name),
            new(SignInSession.Claims.PreferredUserName, user.UserName),
            new(SignInSession.Claims.AuthenticationTime, signedIn.SignedInAt.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            new(SignInSession.Claims.SessionId, signedIn.SessionId),
        };
        if (user.Email is not null)
        {
            claims.Add(new Claim(SignInSession.Claims.Email, user.Email));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, SignInSession.Scheme, SignInSession.Claims.Name, "role"));
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// A hash of a random password, verified when nobody has the name typed in, so that an unknown user costs
/// the same hash computation as a known one and the answer's timing does not tell which names exist.
/// </summary>
public sealed class UnknownUserCredential
{
    public UnknownUserCredential(IPasswordHasher<UserAccount> hasher)
    {
        Account = new UserAccount { Id = "unknown", UserName = "unknown" };
        PasswordHash = hasher.HashPassword(Account, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }

    public UserAccount Account { get; }

    public string PasswordHash { get; }
}
