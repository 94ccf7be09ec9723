using Microsoft.Extensions.DependencyInjection;
using System.Net;
using Platform.Testing;
using Xunit;

namespace Platform.Profile.Tests;

/// <summary>
/// <c>/account/login</c> and <c>/account/logout</c> through HTTP as a browser uses them: the form, antiforgery,
/// the session cookie and events, the lockout that answers exactly like a wrong password, and no open redirect.
/// </summary>
public sealed class SignInPageTests(SignInFixture fixture) : IClassFixture<SignInFixture>
{
    private const string AuthorizeUrl = "/connect/authorize?client_id=shop&response_type=code&scope=openid%20profile&state=xyz";

    [Fact]
    public async Task LoginPage_Get_RendersAnAccessibleFormWithAnAntiforgeryToken()
    {
        using var browser = fixture.Browser();

        var response = await browser.GetAsync("/account/login?ReturnUrl=" + Uri.EscapeDataString(AuthorizeUrl));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\">", page, StringComparison.Ordinal);
        Assert.Contains("<label for=\"login\">", page, StringComparison.Ordinal);
        Assert.Contains("<label for=\"password\">", page, StringComparison.Ordinal);
        Assert.Contains("autocomplete=\"username\"", page, StringComparison.Ordinal);
        Assert.Contains("autocomplete=\"current-password\"", page, StringComparison.Ordinal);
        Assert.Matches("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"[^\"]+\"", page);
        Assert.Contains($"name=\"ReturnUrl\" value=\"{System.Net.WebUtility.HtmlEncode(AuthorizeUrl)}\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("role=\"alert\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task LoginPage_WithLoginHint_FillsInTheNameEncoded()
    {
        using var browser = fixture.Browser();

        var page = await browser.GetStringAsync("/account/login?login_hint=" + Uri.EscapeDataString("ada\"><script>x</script>"));

        Assert.Contains("value=\"ada&quot;&gt;&lt;script&gt;x&lt;/script&gt;\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/account/login")]
    [InlineData("/account/logout")]
    public async Task AccountPages_AnyAnswer_RefuseFramingAndReferrers(string path)
    {
        using var browser = fixture.Browser();

        var response = await browser.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }

    [Fact]
    public async Task Stylesheet_Get_IsServedUnderAccount()
    {
        using var browser = fixture.Browser();

        var response = await browser.GetAsync("/account/account.css");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(".error-summary", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_PostWithoutAntiforgeryToken_Is400AndSignsNobodyIn()
    {
        using var browser = fixture.Browser();
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var response = await browser.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Login"] = "ada",
            ["Password"] = fixture.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(SignInFixture.SetsSessionCookie(response));
        Assert.Equal(before, await EventStoreReader.LastSequenceAsync(fixture.Postgres));
    }

    [Theory]
    [InlineData("ada")]
    [InlineData("ada@example.com")]
    public async Task Login_RightPassword_RedirectsToReturnUrlWithSessionCookieAndUserSignedIn(string login)
    {
        using var browser = fixture.Browser();
        var user = await fixture.UserAsync("ada");
        var before = await EventStoreReader.LastSequenceAsync(fixture.Postgres);

        var response = await SignInFixture.PostLoginAsync(browser, login, fixture.Password, AuthorizeUrl);

        SignInFixture.AssertRedirect(response, AuthorizeUrl);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("platform.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);

        var signedIn = Assert.Single(await EventStoreReader.EventsAfterAsync(fixture.Postgres, before));
        Assert.Equal("user_signed_in", signedIn.Type);
        Assert.Equal(user.Id, signedIn.StreamId);
        Assert.False(string.IsNullOrEmpty(signedIn.Data.GetProperty("sessionId").GetString()));

        // The session is what the logout page (and the authorization service) reads.
        var logout = await browser.GetStringAsync("/account/logout");
        Assert.Contains("<strong>ada</strong>", logout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_WrongPasswordFiveTimes_LocksOutAndThenTheRightPasswordGetsTheSameAnswer()
    {
        using var browser = fixture.Browser();
        var user = await fixture.UserAsync("grace");

        var wrongAnswers = new List<(HttpStatusCode Status, string Page)>();
        for (var attempt = 0; attempt < SignInFixture.MaxFailedAttempts; attempt++)
        {
            var wrong = await SignInFixture.PostLoginAsync(browser, "grace", "not-the-password", AuthorizeUrl);
            wrongAnswers.Add((wrong.StatusCode, SignInFixture.WithoutAntiforgeryToken(await wrong.Content.ReadAsStringAsync())));
            Assert.False(SignInFixture.SetsSessionCookie(wrong));
        }

        var events = await EventStoreReader.EventsAsync(fixture.Postgres, user.Id);
        Assert.Equal(
            ["user_registered", "user_sign_in_failed", "user_sign_in_failed", "user_sign_in_failed", "user_sign_in_failed", "user_sign_in_failed", "user_locked_out"],
            events.Select(e => e.Type));
        Assert.Equal([1, 2, 3, 4, 5], events.Where(e => e.Type == "user_sign_in_failed").Select(e => e.Data.GetProperty("failedAttempts").GetInt32()));
        var lockedUntil = events[^1].Data.GetProperty("lockedUntil").GetDateTimeOffset();
        Assert.InRange(lockedUntil - events[^1].Timestamp, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(16));

        var locked = await SignInFixture.PostLoginAsync(browser, "grace", fixture.Password, AuthorizeUrl);
        var lockedPage = SignInFixture.WithoutAntiforgeryToken(await locked.Content.ReadAsStringAsync());

        Assert.False(SignInFixture.SetsSessionCookie(locked));
        Assert.All(wrongAnswers, wrong =>
        {
            Assert.Equal(wrong.Status, locked.StatusCode);
            Assert.Equal(wrong.Page, lockedPage);
        });
        Assert.Equal(HttpStatusCode.OK, locked.StatusCode);
        Assert.Contains("role=\"alert\"", lockedPage, StringComparison.Ordinal);
        Assert.Contains("The user name or password is incorrect.", lockedPage, StringComparison.Ordinal);
        Assert.Equal(events.Count, (await EventStoreReader.EventsAsync(fixture.Postgres, user.Id)).Count);
    }

    [Fact]
    public async Task Login_UnknownUserOrDisabledUser_GetsTheSameAnswerAsAWrongPassword()
    {
        using var browser = fixture.Browser();
        await fixture.DisableAsync("alan");

        var wrong = await SignInFixture.PostLoginAsync(browser, "margaret", "not-the-password");
        var unknown = await SignInFixture.PostLoginAsync(browser, "nobody-at-all", fixture.Password);
        var disabled = await SignInFixture.PostLoginAsync(browser, "alan", fixture.Password);

        var expected = SignInFixture.WithoutAntiforgeryToken((await wrong.Content.ReadAsStringAsync()).Replace("margaret", "LOGIN", StringComparison.Ordinal));
        foreach (var (response, login) in new[] { (unknown, "nobody-at-all"), (disabled, "alan") })
        {
            Assert.Equal(wrong.StatusCode, response.StatusCode);
            Assert.False(SignInFixture.SetsSessionCookie(response));
            Assert.Equal(expected, SignInFixture.WithoutAntiforgeryToken((await response.Content.ReadAsStringAsync()).Replace(login, "LOGIN", StringComparison.Ordinal)));
        }

        var alan = await fixture.UserAsync("alan");
        Assert.DoesNotContain(await EventStoreReader.EventsAsync(fixture.Postgres, alan.Id), e => e.Type == "user_signed_in");
    }

    [Fact]
    public async Task Login_SuccessAfterFailures_ResetsTheCount()
    {
        using var browser = fixture.Browser();
        var user = await fixture.UserAsync("barbara");

        await SignInFixture.PostLoginAsync(browser, "barbara", "wrong-1");
        await SignInFixture.PostLoginAsync(browser, "barbara", "wrong-2");
        SignInFixture.AssertRedirect(await SignInFixture.PostLoginAsync(browser, "barbara", fixture.Password), "/account/apps");
        await SignInFixture.PostLoginAsync(browser, "barbara", "wrong-3");

        var events = await EventStoreReader.EventsAsync(fixture.Postgres, user.Id);
        Assert.Equal(["user_registered", "user_sign_in_failed", "user_sign_in_failed", "user_signed_in", "user_sign_in_failed"], events.Select(e => e.Type));
        Assert.Equal(1, events[^1].Data.GetProperty("failedAttempts").GetInt32());
        Assert.Equal(1, (await fixture.UserAsync("barbara")).FailedAttempts);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example")]
    [InlineData("/\\evil.example")]
    [InlineData("/\t/evil.example")]
    public async Task Login_ExternalReturnUrl_RedirectsToTheUsersAccountPage(string returnUrl)
    {
        using var browser = fixture.Browser();

        var response = await SignInFixture.PostLoginAsync(browser, "edsger", fixture.Password, returnUrl);

        SignInFixture.AssertRedirect(response, "/account/apps");
        Assert.Contains("(edsger)", await browser.GetStringAsync("/account/apps"), StringComparison.Ordinal);
        var page = await browser.GetStringAsync("/account/login?ReturnUrl=" + Uri.EscapeDataString(returnUrl));
        Assert.DoesNotContain("evil.example", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_Post_ClearsTheCookieRecordsSignOutAndReturnsToLocalReturnUrl()
    {
        using var browser = fixture.Browser();
        var user = await fixture.UserAsync("ken");
        SignInFixture.AssertRedirect(await SignInFixture.PostLoginAsync(browser, "ken", fixture.Password), "/account/apps");
        var signedIn = (await EventStoreReader.EventsAsync(fixture.Postgres, user.Id)).Single(e => e.Type == "user_signed_in");

        var token = await SignInFixture.AntiforgeryTokenAsync(browser, "/account/logout?ReturnUrl=%2Fsigned-out");
        var response = await browser.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["ReturnUrl"] = "/signed-out",
        }));

        SignInFixture.AssertRedirect(response, "/signed-out");
        var cleared = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("platform.session=", StringComparison.Ordinal));
        Assert.Contains("expires=Thu, 01 Jan 1970", cleared, StringComparison.OrdinalIgnoreCase);
        var signedOut = (await EventStoreReader.EventsAsync(fixture.Postgres, user.Id))[^1];
        Assert.Equal("user_signed_out", signedOut.Type);
        Assert.Equal(signedIn.Data.GetProperty("sessionId").GetString(), signedOut.Data.GetProperty("sessionId").GetString());
        Assert.Contains("You are signed out", await browser.GetStringAsync("/account/logout"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_ExternalReturnUrl_StaysOnTheSite()
    {
        using var browser = fixture.Browser();
        SignInFixture.AssertRedirect(await SignInFixture.PostLoginAsync(browser, "edsger", fixture.Password), "/account/apps");
        var token = await SignInFixture.AntiforgeryTokenAsync(browser, "/account/logout");

        var response = await browser.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["ReturnUrl"] = "//evil.example",
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("evil.example", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIns_EventsAndLogs_HoldNoPasswordOrHash()
    {
        using var browser = fixture.Browser();
        await SignInFixture.PostLoginAsync(browser, "margaret", fixture.Password);
        await SignInFixture.PostLoginAsync(browser, "margaret", "a-wrong-password-typed");

        var events = await EventStoreReader.AllEventDataAsync(fixture.Postgres);
        await using var session = fixture.Host.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession();
        var hash = (await session.LoadAsync<Platform.Profile.Users.UserCredential>((await fixture.UserAsync("margaret")).Id))!.PasswordHash;
        foreach (var secret in new[] { fixture.Password, "a-wrong-password-typed", hash })
        {
            Assert.DoesNotContain(secret, events, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, fixture.Host.Logs.Text, StringComparison.Ordinal);
        }
    }
}
