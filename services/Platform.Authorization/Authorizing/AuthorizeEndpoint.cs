using System.Collections.Immutable;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using Platform.Authorization.Pages;
using Platform.Identity.Protocol;
using Platform.Identity.Sessions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Authorization.Authorizing;

/// <summary>
/// <c>/connect/authorize</c> (GET and POST), after OpenIddict has validated the client, the redirect URI,
/// the response type, the scopes and PKCE (a request that fails any of those never reaches this code: it
/// gets the error page, never a redirect). Here: who is signed in, whether they must sign in again, whether
/// they must be asked, and then the code.
/// </summary>
public static class AuthorizeEndpoint
{
    /// <summary>The consent page's answer field (<c>allow</c> or <c>deny</c>), posted back to this endpoint.</summary>
    public const string AnswerField = "consent_answer";

    private const string AntiforgeryField = "__RequestVerificationToken";

    public static WebApplication MapAuthorization(this WebApplication app)
    {
        // Antiforgery is checked by hand: only the consent page's answer carries a token; a client may
        // POST an ordinary authorization request (OpenID Connect Core §3.1.2.1) without one.
        app.MapMethods("/" + PlatformEndpoints.Authorization, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync)
            .DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(
        HttpContext context,
        IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations,
        IOpenIddictScopeManager scopes,
        IAntiforgery antiforgery,
        TimeProvider time)
    {
        var cancellation = context.RequestAborted;
        var request = context.GetOpenIddictServerRequest();
        var application = request?.ClientId is { } clientId ? await applications.FindByClientIdAsync(clientId, cancellation) : null;
        if (request is null || application is null)
        {
            return ErrorPage.Show(context, Errors.InvalidRequest, "This address is not an authorization request.");
        }

        var session = await context.AuthenticateAsync(SignInSession.Scheme);
        var user = session.Succeeded ? session.Principal : null;
        var subject = user?.FindFirst(SignInSession.Claims.Subject)?.Value;
        if (user is not null)
        {
            // Antiforgery tokens are bound to the signed-in user, whatever the default scheme is.
            context.User = user;
        }

        var answer = await ReadAnswerAsync(context, antiforgery, signedIn: subject is not null);
        if (answer is { Forged: true })
        {
            return ErrorPage.Show(context, Errors.InvalidRequest,
                "The consent form expired or did not come from this site. Go back to the application and sign in again.");
        }

        var requestedScopes = request.GetScopes();
        var applicationId = await applications.GetIdAsync(application, cancellation);
        var grant = subject is null ? null : await FindGrantAsync(authorizations, subject, applicationId!, requestedScopes, cancellation);
        var facts = new AuthorizeFacts(
            SignedIn: subject is not null,
            AuthenticatedAt: AuthenticatedAt(user, session.Properties),
            Prompt: request.GetPromptValues().ToHashSet(StringComparer.Ordinal),
            MaxAge: request.MaxAge,
            ImplicitConsent: await applications.HasConsentTypeAsync(application, ConsentTypes.Implicit, cancellation),
            GrantCoversScopes: grant is not null,
            Answer: answer?.Value);

        switch (Authorize.Decide(facts, time.GetUtcNow()))
        {
            case AuthorizeStep.SignIn:
                return Results.Redirect(LoginUrl(context, request));

            case AuthorizeStep.LoginRequired:
                return Refuse(Errors.LoginRequired, "The user is not signed in, and prompt=none forbids asking.");

            case AuthorizeStep.ConsentRequired:
                return Refuse(Errors.ConsentRequired, "The user has not allowed this application these scopes, and prompt=none forbids asking.");

            case AuthorizeStep.Denied:
                return Refuse(Errors.AccessDenied, "The user did not allow the application access.");

            case AuthorizeStep.AskConsent:
                var displayName = await applications.GetLocalizedDisplayNameAsync(application, cancellation)
                    ?? await applications.GetClientIdAsync(application, cancellation);
                var descriptions = await ScopeWords.DescribeAsync(scopes, requestedScopes, cancellation);
                var tokens = antiforgery.GetAndStoreTokens(context);
                return ConsentPage.Show(context, displayName!, user!, descriptions, HiddenParameters(request), AnswerField, tokens);
        }

        // Issue: under the remembered grant, or a new permanent one (the user allowed it, or the client is trusted).
        var identity = Identity(user!, requestedScopes);
        identity.SetResources(await scopes.ListResourcesAsync(requestedScopes, cancellation).ToListAsync(cancellation));
        grant ??= await authorizations.CreateAsync(identity, subject!, applicationId!, AuthorizationTypes.Permanent, requestedScopes, cancellation);
        identity.SetAuthorizationId(await authorizations.GetIdAsync(grant, cancellation));
        return Results.SignIn(new ClaimsPrincipal(identity), properties: null, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>The principal OpenIddict turns into the code: the user's claims, each sent where its scope allows.</summary>
    private static ClaimsIdentity Identity(ClaimsPrincipal user, ImmutableArray<string> requestedScopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.FindFirst(SignInSession.Claims.Subject)!.Value);
        identity.SetClaim(Claims.Name, user.FindFirst(SignInSession.Claims.Name)?.Value);
        identity.SetClaim(Claims.PreferredUsername, user.FindFirst(SignInSession.Claims.PreferredUserName)?.Value);
        identity.SetClaim(Claims.Email, user.FindFirst(SignInSession.Claims.Email)?.Value);
        if (user.FindFirst(SignInSession.Claims.SessionId)?.Value is { Length: > 0 } sessionId)
        {
            identity.SetClaim(SignInSession.Claims.SessionId, sessionId);
        }

        if (AuthenticatedAt(user, properties: null) is { } authenticatedAt)
        {
            identity.AddClaim(new Claim(Claims.AuthenticationTime, authenticatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64));
        }

        identity.SetScopes(requestedScopes);
        identity.SetDestinations(claim => Destinations(claim, requestedScopes));
        return identity;
    }

    private static IEnumerable<string> Destinations(Claim claim, ImmutableArray<string> scopes) => claim.Type switch
    {
        Claims.Subject => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Name or Claims.PreferredUsername when scopes.Contains(Scopes.Profile) =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Email when scopes.Contains(Scopes.Email) =>
            [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.AuthenticationTime or SignInSession.Claims.SessionId => [OpenIddictConstants.Destinations.IdentityToken],
        _ => [],
    };

    private static async Task<object?> FindGrantAsync(
        IOpenIddictAuthorizationManager authorizations, string subject, string applicationId, ImmutableArray<string> requestedScopes, CancellationToken cancellation)
    {
        // The store returns only grants holding every requested scope: same or fewer scopes need no new consent.
        await foreach (var grant in authorizations.FindAsync(subject, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, requestedScopes, cancellation))
        {
            return grant;
        }

        return null;
    }

    /// <summary>When the user last entered a password: the session's <c>auth_time</c>, else when the cookie was issued.</summary>
    private static DateTimeOffset? AuthenticatedAt(ClaimsPrincipal? user, AuthenticationProperties? properties) =>
        long.TryParse(user?.FindFirst(SignInSession.Claims.AuthenticationTime)?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : properties?.IssuedUtc;

    /// <summary>
    /// The login page, told to come back to this same request. For <c>prompt=login</c> the way back leaves
    /// <c>login</c> out of <c>prompt</c>: the user has just signed in, and asking again would loop.
    /// </summary>
    private static string LoginUrl(HttpContext context, OpenIddictRequest request)
    {
        var parameters = HiddenParameters(request)
            .Select(parameter => parameter.Key == Parameters.Prompt
                ? new KeyValuePair<string, string>(parameter.Key, string.Join(' ', parameter.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(value => value != PromptValues.Login)))
                : parameter)
            .Where(parameter => parameter.Value.Length > 0);
        var returnUrl = context.Request.PathBase + "/" + PlatformEndpoints.Authorization + QueryString.Create(parameters!);
        var login = context.Request.PathBase + SignInSession.LoginPath + QueryString.Create("ReturnUrl", returnUrl);
        return request.LoginHint is { Length: > 0 } hint ? login + "&login_hint=" + Uri.EscapeDataString(hint) : login;
    }

    /// <summary>The request's own parameters, to carry through the login and consent pages unchanged.</summary>
    private static List<KeyValuePair<string, string>> HiddenParameters(OpenIddictRequest request) =>
        request.GetParameters()
            .Where(parameter => parameter.Key is not (AnswerField or AntiforgeryField))
            .SelectMany(parameter => ((StringValues)parameter.Value).OfType<string>().Select(value => new KeyValuePair<string, string>(parameter.Key, value)))
            .ToList();

    private sealed record Answer(string? Value, bool Forged);

    /// <summary>
    /// The user's answer, taken only from the consent form posted from this site: an answer in the address (a link,
    /// an image, a GET form), a form posted from another site (the browser says so in <c>Sec-Fetch-Site</c>, which
    /// it sends whatever the referrer policy, unlike <c>Origin</c>) or a form without the antiforgery token issued to
    /// this signed-in user is forged, and refused with the error page (400).
    /// </summary>
    private static async Task<Answer?> ReadAnswerAsync(HttpContext context, IAntiforgery antiforgery, bool signedIn)
    {
        if (context.Request.Query.ContainsKey(AnswerField))
        {
            return new Answer(null, Forged: true);
        }

        if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.HasFormContentType)
        {
            return null;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (!form.TryGetValue(AnswerField, out var value))
        {
            return null;
        }

        // Same-site is not enough: a sibling host or another port of the same host shares the cookies.
        if (context.Request.Headers["Sec-Fetch-Site"] is { Count: > 0 } site && site.ToString() != "same-origin")
        {
            return new Answer(null, Forged: true);
        }

        if (!signedIn)
        {
            // Signed out between the page and the answer: start again from the login page.
            return null;
        }

        try
        {
            await antiforgery.ValidateRequestAsync(context);
        }
        catch (AntiforgeryValidationException)
        {
            return new Answer(null, Forged: true);
        }

        return new Answer(value.ToString() == Authorize.Allow ? Authorize.Allow : Authorize.Deny, Forged: false);
    }

    /// <summary>An error for the client, sent to its (validated) redirect URI with <c>state</c>.</summary>
    private static IResult Refuse(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
