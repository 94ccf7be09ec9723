using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Platform.Testing;
using Xunit;

namespace Platform.Authorization.Tests;

/// <summary>
/// <c>/connect/authorize</c> as a browser meets it: refused requests show a page and never go back to an
/// address that is not registered; a visitor without a session is sent to the login page; a signed-in user
/// is asked once, in words, and a remembered grant is not asked again; the answer goes back with <c>state</c>.
/// </summary>
public sealed class AuthorizeTests(SignInFixture fixture) : IClassFixture<SignInFixture>
{
    private const string UserScopes = "openid profile email";

    [Fact]
    public async Task Authorize_UnknownClient_ShowsErrorPageAndNeverRedirects()
    {
        using var browser = fixture.NewBrowser();

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl("no-such-client", UserScopes));

        await AssertErrorPageAsync(response);
    }

    [Theory]
    [InlineData("https://shop.example/callback/")]
    [InlineData("https://shop.example/Callback")]
    [InlineData("https://SHOP.example/callback?x=1")]
    [InlineData("https://shop.example/callback?next=/")]
    [InlineData("https://evil.example/callback")]
    [InlineData("http://shop.example/callback")]
    [InlineData("https://evil.example@shop.example/callback")]
    [InlineData("https://shop.example.evil.example/callback")]
    public async Task Authorize_RedirectUriNearMiss_ShowsErrorPageAndNeverRedirects(string redirectUri)
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes, redirectUri));

        await AssertErrorPageAsync(response);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("plain", "plain")]
    [InlineData("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "plain")]
    public async Task Authorize_WithoutS256Challenge_IsRefused(string? challenge, string? method)
    {
        using var browser = fixture.NewBrowser();
        var url = SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes, more: new Dictionary<string, string?>
        {
            ["code_challenge"] = challenge,
            ["code_challenge_method"] = method,
        });

        using var response = await browser.GetAsync(url);

        await AssertErrorPageAsync(response);
    }

    [Fact]
    public async Task Authorize_WithoutSession_RedirectsToLoginWithReturnUrlAndLoginHint()
    {
        using var browser = fixture.NewBrowser();
        var url = SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes, more: new Dictionary<string, string?> { ["login_hint"] = "ada@example.com" });

        using var response = await browser.GetAsync(url);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("/account/login?", location, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location[location.IndexOf('?')..]);
        Assert.Equal("ada@example.com", query["login_hint"].ToString());
        var returnUrl = query["ReturnUrl"].ToString();
        Assert.StartsWith("/connect/authorize?", returnUrl, StringComparison.Ordinal);
        Assert.Equal(QueryHelpers.ParseQuery(new Uri("http://x" + url).Query)["state"], QueryHelpers.ParseQuery(returnUrl[returnUrl.IndexOf('?')..])["state"]);
    }

    [Fact]
    public async Task Authorize_PromptNoneWithoutSession_SendsLoginRequiredWithState()
    {
        using var browser = fixture.NewBrowser();
        var url = SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes, more: new Dictionary<string, string?> { ["prompt"] = "none", ["state"] = "xyz" });

        using var response = await browser.GetAsync(url);

        var answer = AssertRedirectToClient(response, SignInFixture.Callback);
        Assert.Equal("login_required", answer["error"]);
        Assert.Equal("xyz", answer["state"]);
    }

    [Fact]
    public async Task Authorize_PromptLoginWithSession_RedirectsToLoginWithoutPromptLoginInReturnUrl()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes, more: new Dictionary<string, string?> { ["prompt"] = "login" }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        var returnUrl = QueryHelpers.ParseQuery(location[location.IndexOf('?')..])["ReturnUrl"].ToString();
        Assert.StartsWith("/connect/authorize?", returnUrl, StringComparison.Ordinal);
        Assert.DoesNotContain("prompt", returnUrl, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_MaxAgeExceeded_RedirectsToLogin()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync(DateTimeOffset.UtcNow.AddHours(-2))).Cookie);

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Erp.Id, "openid", "https://erp.example/callback", new Dictionary<string, string?> { ["max_age"] = "60" }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login?", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_SignedInExplicitClient_ShowsConsentPageInWords()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Shop.Id, "openid profile email offline_access orders"));

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Example Shop", html, StringComparison.Ordinal);
        foreach (var words in new[] { "Sign you in", "See your name", "See your e-mail address", "Stay signed in when you are away", "See and place your orders" })
        {
            Assert.Contains(words, html, StringComparison.Ordinal);
        }

        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains(SignInFixture.FormFields(html), field => field.Key == "__RequestVerificationToken");
    }

    [Fact]
    public async Task Consent_Denied_SendsAccessDeniedWithState()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);
        var page = await ConsentPageAsync(browser, SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes, more: new Dictionary<string, string?> { ["state"] = "deny-state" }));

        using var response = await AnswerAsync(browser, page, "deny");

        var answer = AssertRedirectToClient(response, SignInFixture.Callback);
        Assert.Equal("access_denied", answer["error"]);
        Assert.Equal("deny-state", answer["state"]);
    }

    [Fact]
    public async Task Consent_AnswerWithoutAntiforgeryToken_IsRefusedWithoutRedirect()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);
        var page = await ConsentPageAsync(browser, SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes));
        var forged = SignInFixture.FormFields(page).Where(f => f.Key != "__RequestVerificationToken").Append(new("consent_answer", "allow"));

        using var response = await browser.SendAsync(HttpMethod.Post, "/connect/authorize", forged);

        await AssertErrorPageAsync(response);
    }

    [Fact]
    public async Task Consent_Allowed_SendsCodeWithStateAndRecordsPermanentGrantAndCode()
    {
        using var browser = fixture.NewBrowser();
        var (userId, cookie) = await fixture.SignedInUserAsync();
        browser.SetCookie(cookie);
        var page = await ConsentPageAsync(browser, SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes, more: new Dictionary<string, string?> { ["state"] = "allow-state" }));

        using var response = await AnswerAsync(browser, page, "allow");

        var answer = AssertRedirectToClient(response, SignInFixture.Callback);
        Assert.Equal("allow-state", answer["state"]);
        Assert.False(string.IsNullOrEmpty(answer["code"]));
        Assert.False(answer.ContainsKey("error"));
        var grant = Assert.Single(await EventStoreReader.EventsOfTypeAsync(fixture.Postgres, "grant_approved"), e => e.Data.GetProperty("subject").GetString() == userId);
        Assert.Equal("permanent", grant.Data.GetProperty("type").GetString());
        Assert.Equal(["email", "openid", "profile"], grant.Data.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).Order());
        var code = Assert.Single(await EventStoreReader.EventsOfTypeAsync(fixture.Postgres, "token_issued"), e => e.Data.GetProperty("subject").GetString() == userId);
        Assert.Equal("authorization_code", code.Data.GetProperty("kind").GetString());
        Assert.Equal(grant.StreamId, code.Data.GetProperty("grantId").GetString());
        Assert.DoesNotContain(answer["code"], await EventStoreReader.AllEventDataAsync(fixture.Postgres), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_RememberedGrant_SameOrFewerScopesNeedNoConsent_MoreScopesAskAgain()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);
        var page = await ConsentPageAsync(browser, SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes));
        using (var allowed = await AnswerAsync(browser, page, "allow"))
        {
            AssertRedirectToClient(allowed, SignInFixture.Callback);
        }

        using (var same = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes)))
        {
            Assert.Contains("code", AssertRedirectToClient(same, SignInFixture.Callback).Keys);
        }

        using (var fewer = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Shop.Id, "openid", more: new Dictionary<string, string?> { ["prompt"] = "none" })))
        {
            Assert.Contains("code", AssertRedirectToClient(fewer, SignInFixture.Callback).Keys);
        }

        using (var more = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes + " orders")))
        {
            Assert.Equal(HttpStatusCode.OK, more.StatusCode);
            Assert.Contains("See and place your orders", await more.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var forced = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Shop.Id, "openid", more: new Dictionary<string, string?> { ["prompt"] = "consent" }));
        Assert.Equal(HttpStatusCode.OK, forced.StatusCode);
    }

    [Fact]
    public async Task Authorize_PromptNoneNeedingConsent_SendsConsentRequired()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Shop.Id, UserScopes, more: new Dictionary<string, string?> { ["prompt"] = "none" }));

        Assert.Equal("consent_required", AssertRedirectToClient(response, SignInFixture.Callback)["error"]);
    }

    [Fact]
    public async Task Authorize_ImplicitConsentClient_SendsCodeWithoutAsking()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Erp.Id, "openid profile", "https://erp.example/callback"));

        Assert.Contains("code", AssertRedirectToClient(response, "https://erp.example/callback").Keys);
    }

    [Fact]
    public async Task Authorize_ImplicitFlowForAClientRegisteredForIt_SendsTokensInTheFragment()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Legacy, "openid", SignInFixture.LegacyCallback,
            new Dictionary<string, string?> { ["response_type"] = "id_token token", ["code_challenge"] = null, ["code_challenge_method"] = null }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(SignInFixture.LegacyCallback + "#", location.OriginalString, StringComparison.Ordinal);
        var fragment = QueryHelpers.ParseQuery(location.Fragment.TrimStart('#'));
        Assert.Contains("access_token", fragment.Keys);
        Assert.Contains("id_token", fragment.Keys);
        Assert.DoesNotContain("access_token", location.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_ImplicitFlowForACodeClient_IsRefusedWithoutRedirectOrToken()
    {
        using var browser = fixture.NewBrowser();
        browser.SetCookie((await fixture.SignedInUserAsync()).Cookie);

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Shop.Id, "openid", SignInFixture.Callback,
            new Dictionary<string, string?> { ["response_type"] = "id_token token", ["code_challenge"] = null, ["code_challenge_method"] = null }));

        await AssertErrorPageAsync(response);
    }

    [Theory]
    [InlineData("http://127.0.0.1:51234/callback")]
    [InlineData("com.example.shop:/callback")]
    public async Task Authorize_NativeAppLoopbackOnAnyPortOrPrivateScheme_IsAccepted(string redirectUri)
    {
        using var browser = fixture.NewBrowser();

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Mobile, "openid", redirectUri, new Dictionary<string, string?> { ["prompt"] = "none" }));

        Assert.Equal("login_required", AssertRedirectToClient(response, redirectUri)["error"]);
    }

    [Fact]
    public async Task Authorize_NativeAppLoopbackOtherPath_IsRefused()
    {
        using var browser = fixture.NewBrowser();

        using var response = await browser.GetAsync(SignInFixture.AuthorizeUrl(fixture.Mobile, "openid", "http://127.0.0.1:51234/other"));

        await AssertErrorPageAsync(response);
    }

    private static async Task<string> ConsentPageAsync(Browser browser, string url)
    {
        using var response = await browser.GetAsync(url);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {response.Headers.Location} {html}");
        return html;
    }

    private static Task<HttpResponseMessage> AnswerAsync(Browser browser, string consentPage, string answer) =>
        browser.SendAsync(HttpMethod.Post, "/connect/authorize", SignInFixture.FormFields(consentPage).Append(new("consent_answer", answer)));

    /// <summary>The query parameters of a redirect to <paramref name="redirectUri"/>.</summary>
    internal static Dictionary<string, string> AssertRedirectToClient(HttpResponseMessage response, string redirectUri)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{(int)response.StatusCode}: {response.Content.ReadAsStringAsync().Result}");
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith(redirectUri + "?", location, StringComparison.Ordinal);
        return QueryHelpers.ParseQuery(location[location.IndexOf('?')..]).ToDictionary(p => p.Key, p => p.Value.ToString());
    }

    internal static async Task AssertErrorPageAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {response.Headers.Location} {body}");
        Assert.Null(response.Headers.Location);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("This sign-in link does not work", body, StringComparison.Ordinal);
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }
}
