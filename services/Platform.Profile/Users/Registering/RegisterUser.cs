using System.Net.Mail;
using System.Text.RegularExpressions;
using Platform.Contracts.Events;

namespace Platform.Profile.Users.Registering;

public sealed record RegisterUser(string UserName, string? Email, string Password);

public sealed record UserRejected(IReadOnlyDictionary<string, string[]> Errors);

/// <summary>The rules for a new user account, as a pure function of the request and the clock.</summary>
public static partial class UserRegistration
{
    public const int MinimumPasswordLength = 12;

    public static (UserRegistered? Registered, UserRejected? Rejected) Decide(RegisterUser request, string userId, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>();
        if (!UserNamePattern().IsMatch(request.UserName))
        {
            errors["userName"] = ["A user name is 3 to 64 letters, digits, '.', '_', '-' or '@'."];
        }

        if (request.Email is not null && !MailAddress.TryCreate(request.Email, out _))
        {
            errors["email"] = ["The e-mail address is not valid."];
        }

        if (request.Password.Length < MinimumPasswordLength)
        {
            errors["password"] = [$"A password has at least {MinimumPasswordLength} characters."];
        }

        return errors.Count > 0
            ? (null, new UserRejected(errors))
            : (new UserRegistered(userId, request.UserName, request.Email, now), null);
    }

    [GeneratedRegex("^[A-Za-z0-9._@-]{3,64}$")]
    private static partial Regex UserNamePattern();
}
