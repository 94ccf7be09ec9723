using System.Net;
using Platform.Testing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>
/// <c>/connect/endsession</c>: signing out clears the session cookie and records <c>user_signed_out</c>; the
/// browser goes back only to a post-logout URI registered for the client, exactly, with <c>state</c>.
/// </summary>
public sealed class EndSessionTests(SignInFixture fixture) : IClassFixture<SignInFixture>
{
    [Fact]
    public async Task EndSession_RegisteredPostLogoutUri_ClearsCookieRecordsSignOutAndRedirectsWithState()
    {
        using var browser = fixture.NewBrowser();
        var (userId, cookie) = await fixture.SignedInUserAsync();
        browser.SetCookie(cookie);

        using var response = await ConfirmAsync(browser,
            $"/connect/endsession?client_id={fixture.Shop.Id}&post_logout_redirect_uri={Uri.EscapeDataString(SignInFixture.SignedOut)}&state=bye");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(SignInFixture.SignedOut + "?state=bye", response.Headers.Location!.OriginalString);
        Assert.False(browser.HasCookie("platform.session"), "The session cookie must be cleared.");
        var events = await EventStoreReader.EventTypesAsync(fixture.Postgres, userId);
        Assert.Equal(["user_registered", "user_signed_out"], events);

        // Signed out means signed out: the next authorization request goes to the login page.
        using var next = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Shop.Id, "openid"));
        Assert.StartsWith("/account/login?", next.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://shop.example/signed-out/")]
    [InlineData("https://shop.example/Signed-out")]
    [InlineData("https://evil.example/signed-out")]
    [InlineData("https://shop.example/callback")]
    public async Task EndSession_UnregisteredPostLogoutUri_ShowsErrorPageAndNeverRedirects(string uri)
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);

        using var response = await browser.GetAsync($"/connect/endsession?client_id={fixture.Shop.Id}&post_logout_redirect_uri={Uri.EscapeDataString(uri)}&state=bye");

        await AuthorizeTests.AssertErrorPageAsync(response);
    }

    [Fact]
    public async Task EndSession_WithoutPostLogoutUri_ShowsSignedOutPage()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);

        using var response = await ConfirmAsync(browser, "/connect/endsession");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("You are signed out", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(browser.HasCookie("platform.session"));
    }

    [Fact]
    public async Task EndSession_WithoutIdTokenHint_AsksFirstAndKeepsTheSession()
    {
        using var browser = fixture.NewBrowser();
        var (userId, cookie) = await fixture.SignedInUserAsync();
        browser.SetCookie(cookie);

        using var response = await browser.GetAsync($"/connect/endsession?client_id={fixture.Shop.Id}&post_logout_redirect_uri={Uri.EscapeDataString(SignInFixture.SignedOut)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("Sign out of Platform?", page, StringComparison.Ordinal);
        Assert.Contains(SignInFixture.FormFields(page), field => field.Key == "__RequestVerificationToken");
        Assert.True(browser.HasCookie("platform.session"), "Nothing is signed out before the person confirms.");
        Assert.Equal(["user_registered"], await EventStoreReader.EventTypesAsync(fixture.Postgres, userId));
    }

    [Fact]
    public async Task EndSession_ConfirmationWithoutAntiforgeryToken_IsRefusedAndKeepsTheSession()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);

        using var response = await browser.SendAsync(HttpMethod.Post, "/connect/endsession", [new("confirm_sign_out", "yes")]);

        await AuthorizeTests.AssertErrorPageAsync(response);
        Assert.True(browser.HasCookie("platform.session"));
    }

    /// <summary>Opens the sign-out URL and answers the confirmation page, as the person would.</summary>
    private static async Task<HttpResponseMessage> ConfirmAsync(Browser browser, string url)
    {
        using var question = await browser.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, question.StatusCode);
        var fields = SignInFixture.FormFields(await question.Content.ReadAsStringAsync());
        return await browser.SendAsync(HttpMethod.Post, "/connect/endsession", fields.Append(new("confirm_sign_out", "yes")));
    }
}
