namespace Platform.Authorization.Authorizing;

/// <summary>What the authorization endpoint does next with a request OpenIddict has validated.</summary>
public enum AuthorizeStep
{
    /// <summary>Send the browser to the login page, and back here afterwards.</summary>
    SignIn,

    /// <summary><c>prompt=none</c> and nobody is signed in (or the sign-in is too old): <c>login_required</c>.</summary>
    LoginRequired,

    /// <summary><c>prompt=none</c> and the user would have to be asked: <c>consent_required</c>.</summary>
    ConsentRequired,

    /// <summary>Ask the user (the consent page).</summary>
    AskConsent,

    /// <summary>The user said no: <c>access_denied</c>.</summary>
    Denied,

    /// <summary>Issue the code (or tokens), under a grant that exists or is created now.</summary>
    Issue,
}

/// <summary>The facts the next step depends on; all read before deciding.</summary>
/// <param name="SignedIn">A <c>Platform.Session</c> cookie authenticated.</param>
/// <param name="AuthenticatedAt">When the user last entered a password (<c>auth_time</c>), if known.</param>
/// <param name="Prompt">The request's <c>prompt</c> values.</param>
/// <param name="MaxAge">The request's <c>max_age</c> in seconds, if any.</param>
/// <param name="ImplicitConsent">The client is trusted first-party (consent type implicit).</param>
/// <param name="GrantCoversScopes">A valid permanent grant of this user to this client covers every requested scope.</param>
/// <param name="Answer">The user's answer on the consent page: <c>allow</c>, <c>deny</c>, or null when not answering.</param>
public sealed record AuthorizeFacts(
    bool SignedIn,
    DateTimeOffset? AuthenticatedAt,
    IReadOnlySet<string> Prompt,
    long? MaxAge,
    bool ImplicitConsent,
    bool GrantCoversScopes,
    string? Answer);

/// <summary>The rules of <c>/connect/authorize</c> after validation (OpenID Connect Core §3.1.2.3), as a pure function.</summary>
public static class Authorize
{
    /// <summary>
    /// The round trip from the login page back to the authorization endpoint takes a moment; without this
    /// allowance <c>max_age=0</c> would send a user who has just signed in back to the login page forever.
    /// </summary>
    public static readonly TimeSpan SignInRoundTrip = TimeSpan.FromSeconds(5);

    public const string Allow = "allow";
    public const string Deny = "deny";

    public static AuthorizeStep Decide(AuthorizeFacts facts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var none = facts.Prompt.Contains("none");
        var signInTooOld = facts.MaxAge is { } maxAge
            && (facts.AuthenticatedAt is not { } at || now - at > TimeSpan.FromSeconds(maxAge) + SignInRoundTrip);

        if (!facts.SignedIn || signInTooOld)
        {
            return none ? AuthorizeStep.LoginRequired : AuthorizeStep.SignIn;
        }

        // An answer from the consent page settles both prompt=login and prompt=consent: they were honoured
        // on the way here (the login page, then the consent page).
        if (facts.Answer is not null)
        {
            return facts.Answer == Allow ? AuthorizeStep.Issue : AuthorizeStep.Denied;
        }

        if (facts.Prompt.Contains("login"))
        {
            return AuthorizeStep.SignIn;
        }

        if (facts.Prompt.Contains("consent"))
        {
            return none ? AuthorizeStep.ConsentRequired : AuthorizeStep.AskConsent;
        }

        if (facts.ImplicitConsent || facts.GrantCoversScopes)
        {
            return AuthorizeStep.Issue;
        }

        return none ? AuthorizeStep.ConsentRequired : AuthorizeStep.AskConsent;
    }
}
