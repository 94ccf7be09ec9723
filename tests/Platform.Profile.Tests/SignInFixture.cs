using System.Net;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using Platform.Contracts.Events;
using Platform.Profile.Users;
using Platform.Testing;
using Xunit;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Platform.Profile.Tests;

/// <summary>
/// The profile service on a database of its own with seeded users, one per kind of test so that a lockout in
/// one test cannot change another's answer, and browser-like helpers: cookies kept, redirects not followed.
/// </summary>
public sealed partial class SignInFixture : IAsyncLifetime
{
    public const int MaxFailedAttempts = 5;

    public string Postgres { get; private set; } = "";
    public ServiceHost<Program> Host { get; private set; } = null!;
    public string Password { get; } = PlatformCluster.NewSecret();
    private SeedFileOnDisk seed = null!;

    /// <summary>Seeded user names: each test that changes a user's state takes its own.</summary>
    public static readonly string[] UserNames = ["ada", "grace", "edsger", "barbara", "alan", "margaret", "ken"];

    public async Task InitializeAsync()
    {
        Postgres = await TestServers.CreateDatabaseAsync("profile_signin");
        seed = SeedFileOnDisk.Write(new
        {
            users = UserNames.Select(name => new { userName = name, email = $"{name}@example.com", password = Password }).ToArray(),
        });
        Host = new ServiceHost<Program>(Postgres, await TestServers.RabbitMqAsync(), $"profile-tests-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            ["Platform:Seed:File"] = seed.Path,
            ["Platform:SignIn:MaxFailedAttempts"] = MaxFailedAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Platform:SignIn:LockoutDuration"] = "00:15:00",
        });
        Host.StartServer();
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        seed.Dispose();
    }

    /// <summary>A browser: keeps cookies, shows redirects instead of following them.</summary>
    public HttpClient Browser() => Host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public async Task<UserAccount> UserAsync(string userName)
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return Assert.Single(await session.Query<UserAccount>().Where(user => user.UserName == userName).ToListAsync());
    }

    public async Task DisableAsync(string userName)
    {
        var user = await UserAsync(userName);
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().LightweightSession();
        session.Events.Append(user.Id, new UserDisabled(user.Id, "test", DateTimeOffset.UtcNow));
        await session.SaveChangesAsync();
    }

    /// <summary>GETs the login page and returns the antiforgery token its form carries (the cookie stays in the client).</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient browser, string path = "/account/login")
    {
        var page = await browser.GetStringAsync(path);
        return RequestToken().Match(page).Groups[1].Value;
    }

    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient browser, string login, string password, string? returnUrl = null)
    {
        var token = await AntiforgeryTokenAsync(browser);
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Login"] = login,
            ["Password"] = password,
        };
        if (returnUrl is not null)
        {
            form["ReturnUrl"] = returnUrl;
        }

        return await browser.PostAsync("/account/login", new FormUrlEncodedContent(form));
    }

    /// <summary>A page with its per-response antiforgery token blanked, to compare two answers.</summary>
    public static string WithoutAntiforgeryToken(string page) => RequestToken().Replace(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"\"");

    /// <summary>
    /// An access token for <paramref name="userName"/>, made by this service's own OpenIddict server: the same
    /// token generation (and the same <c>TokenIssued</c> entry) the token endpoint uses, without a client flow.
    /// </summary>
    public async Task<string> AccessTokenAsync(string userName, params string[] scopes) =>
        await AccessTokenForAsync((await UserAsync(userName)).Id, scopes);

    /// <summary>An access token whose <c>sub</c> is <paramref name="subject"/> (a user id, or a client's id for an administration token).</summary>
    public async Task<string> AccessTokenForAsync(string subject, params string[] scopes)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var transaction = await services.GetRequiredService<IOpenIddictServerFactory>().CreateTransactionAsync();

        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject);
        identity.SetClaim(Claims.Private.Issuer, services.GetRequiredService<IOptions<OpenIddictServerOptions>>().Value.Issuer!.AbsoluteUri);
        identity.SetScopes(scopes);
        var principal = new ClaimsPrincipal(identity);
        var now = DateTimeOffset.UtcNow;
        principal.SetCreationDate(now).SetExpirationDate(now.AddMinutes(5));

        var context = new OpenIddictServerEvents.GenerateTokenContext(transaction)
        {
            CreateTokenEntry = true,
            IsReferenceToken = true,
            PersistTokenPayload = true,
            Principal = principal,
            TokenFormat = TokenFormats.Private.JsonWebToken,
            TokenType = TokenTypeIdentifiers.AccessToken,
        };
        await services.GetRequiredService<IOpenIddictServerDispatcher>().DispatchAsync(context);
        Assert.False(context.IsRejected, context.ErrorDescription);
        return Assert.IsType<string>(context.Token);
    }

    public async Task RevokeTokensOfAsync(string userName)
    {
        var user = await UserAsync(userName);
        await using var scope = Host.Services.CreateAsyncScope();
        var tokens = scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>();
        await tokens.RevokeBySubjectAsync(user.Id);
    }

    public static bool SetsSessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(cookie => cookie.StartsWith("platform.session=", StringComparison.Ordinal) && !cookie.StartsWith("platform.session=;", StringComparison.Ordinal));

    public static void AssertRedirect(HttpResponseMessage response, string location)
    {
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(location, response.Headers.Location?.OriginalString);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex RequestToken();
}
