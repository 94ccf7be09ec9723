using System.Net;
using Microsoft.Playwright;
using Platform.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Platform.Reliability.Tests;

/// <summary>
/// Cross-site request forgery against the consent page: an attacker tries to make a signed-in user allow an
/// application. Each attempt must be refused with the error page (400), send no code to the redirect URI and leave
/// no grant; afterwards the user's own answer on the real page still works (so the refusal is the forgery's, and
/// the checks would see a grant if one were made). The session cookie is <c>SameSite=Lax</c>, the authorization
/// service's antiforgery cookie <c>SameSite=Strict</c>.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ConsentCsrfTests(ReliabilityFixture fixture, ITestOutputHelper output)
{
    private const string Allow = "allow";
    private const string AntiforgeryCookie = ".AspNetCore.Antiforgery.";

    private PlatformCluster Cluster => fixture.Cluster;

    public static TheoryData<string> AttackerSites => ["another site", "a sibling host of the same site"];

    /// <summary>
    /// The attacker's page auto-submits the consent form, with the antiforgery token the attacker got from their
    /// own consent page. From another site (Platform at the issuer on loopback, the attacker at attacker.example) the
    /// browser sends no session cookie (Lax) and says <c>Sec-Fetch-Site: cross-site</c>, which is refused. From a sibling
    /// host of the same site (Platform at login.platform.test, the attacker at evil.platform.test) it sends both cookies;
    /// over plain http to a host that is not loopback it sends no <c>Sec-Fetch-*</c> either (https only), so here the
    /// antiforgery token's binding to the signed-in user is what stands in the way.
    /// </summary>
    [Theory]
    [MemberData(nameof(AttackerSites))]
    public async Task ConsentForm_PostedFromAttackerPage_RefusedNoCodeNoGrant(string site)
    {
        using var application = new LoopbackSite("the application");
        var scene = await ConsentScene.CreateAsync(Cluster, application.Port);
        var victim = await scene.NewUserAsync("victim");
        using var attacker = await scene.SignInAsync(await scene.NewUserAsync("attacker"));
        var attackerToken = await scene.ConsentTokenAsync(attacker, "attacker");
        var sameSite = site != "another site";
        var platform = sameSite ? new Uri($"http://login.platform.test:{Cluster.Issuer.Port}/") : Cluster.Issuer;
        using var attackerSite = new LoopbackSite(ForgedForm(ConsentScene.AuthorizeEndpointVia(platform), scene, attackerToken));
        var attackerPage = new Uri($"http://{(sameSite ? "evil.platform.test" : "attacker.example")}:{attackerSite.Port}/consent.html");

        await using var browser = await ChromiumAsync();
        var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        // The victim is signed in and on the consent page of the same application, right where the attacker wants them.
        await page.GotoAsync(scene.AuthorizeUrlVia(platform, "victim").AbsoluteUri);
        await page.GetByLabel("User name or e-mail").FillAsync(victim.UserName);
        await page.GetByLabel("Password").FillAsync(victim.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).WaitForAsync();

        var forged = await page.RunAndWaitForResponseAsync(
            () => page.GotoAsync(attackerPage.AbsoluteUri),
            response => response.Request.Method == "POST" && response.Url.StartsWith(ConsentScene.AuthorizeEndpointVia(platform).AbsoluteUri, StringComparison.Ordinal));
        // The forged POST's error page must have loaded before the next navigation, which it would otherwise interrupt.
        await page.WaitForURLAsync(ConsentScene.AuthorizeEndpointVia(platform).AbsoluteUri);
        var sent = await forged.Request.AllHeadersAsync();
        var sessionCookieSent = sent.GetValueOrDefault("cookie")?.Contains("platform.session=", StringComparison.Ordinal) == true;
        var grantsAfterForgery = await scene.GrantCountAsync();
        output.WriteLine($"{site}: {forged.Status}, Sec-Fetch-Site {sent.GetValueOrDefault("sec-fetch-site")}, session cookie sent: {sessionCookieSent}");

        Assert.Equal((int)HttpStatusCode.BadRequest, forged.Status);
        Assert.Null(await forged.HeaderValueAsync("location"));
        Assert.Equal(sameSite, sessionCookieSent);
        Assert.Equal(0, grantsAfterForgery);
        Assert.DoesNotContain(application.Requests, url => url.Contains("code=", StringComparison.Ordinal));

        // The real page still works: the checks above would have seen a code and a grant.
        await page.GotoAsync(scene.AuthorizeUrlVia(platform, "real").AbsoluteUri);
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow" }).ClickAsync();
        await Eventually.HoldsAsync(() => application.Requests.Any(url => url.Contains("code=", StringComparison.Ordinal)), "the code after the real consent");
        Assert.Equal(1, await scene.GrantCountAsync());
        RecordAttempt($"form from {site}", forged.Status);
    }

    public static TheoryData<string> Forgeries =>
    [
        "no antiforgery token",
        "the attacker's antiforgery token",
        "the attacker's antiforgery token and cookie",
        "the answer in the address of a GET",
        "the answer in the address of a POST",
    ];

    /// <summary>The forged requests written out, with the victim's cookies as a browser would send them from this site.</summary>
    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task ConsentAnswer_Forged_RefusedNoCodeNoGrant(string forgery)
    {
        var scene = await ConsentScene.CreateAsync(Cluster);
        using var victim = await scene.SignInAsync(await scene.NewUserAsync("victim"));
        using var attacker = await scene.SignInAsync(await scene.NewUserAsync("attacker"));
        var victimToken = await scene.ConsentTokenAsync(victim, "victim"); // the victim's browser holds the antiforgery cookie too
        var attackerToken = await scene.ConsentTokenAsync(attacker, "attacker");
        var victimCookies = victim.CookieHeader(scene.Issuer);
        var answer = new KeyValuePair<string, string>("consent_answer", Allow);
        var form = scene.RequestFields("forged").Append(answer).ToList();

        using var request = forgery switch
        {
            "no antiforgery token" => Post(scene.AuthorizeEndpoint, form, victimCookies),
            "the attacker's antiforgery token" => Post(scene.AuthorizeEndpoint, [.. form, Token(attackerToken)], victimCookies),
            "the attacker's antiforgery token and cookie" => Post(scene.AuthorizeEndpoint, [.. form, Token(attackerToken)],
                SwapAntiforgeryCookie(victimCookies, attacker.CookieHeader(scene.Issuer))),
            "the answer in the address of a GET" => Get(scene.AuthorizeUrl("forged", answer), victimCookies),
            "the answer in the address of a POST" => Post(scene.AuthorizeUrl("forged", answer), [.. scene.RequestFields("forged"), Token(victimToken)], victimCookies),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var forged = await http.SendAsync(request);
        var location = forged.Headers.Location?.OriginalString;
        var grantsAfterForgery = await scene.GrantCountAsync();
        output.WriteLine($"{forgery}: {(int)forged.StatusCode} {location}");

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(scene.CarriesCode(location), $"A code went to the application: {location}");
        Assert.Equal(0, grantsAfterForgery);

        // The victim's own form, token and cookies: a code and one grant, so the checks above can see both.
        using var genuine = await http.SendAsync(Post(scene.AuthorizeEndpoint, [.. form, Token(victimToken)], victimCookies));
        Assert.True(scene.CarriesCode(genuine.Headers.Location?.OriginalString), $"The real answer got {(int)genuine.StatusCode} {genuine.Headers.Location}");
        Assert.Equal(1, await scene.GrantCountAsync());
        RecordAttempt(forgery, (int)forged.StatusCode);
    }

    private static KeyValuePair<string, string> Token(string value) => new("__RequestVerificationToken", value);

    private static HttpRequestMessage Post(Uri target, IEnumerable<KeyValuePair<string, string>> form, string cookies)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, target) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("Cookie", cookies);
        return request;
    }

    private static HttpRequestMessage Get(Uri target, string cookies)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, target);
        request.Headers.Add("Cookie", cookies);
        return request;
    }

    /// <summary>The victim's session cookie with the attacker's antiforgery cookie (a same-site attacker can set cookies for the host).</summary>
    private static string SwapAntiforgeryCookie(string victim, string attacker)
    {
        static IEnumerable<string> Split(string header) => header.Split("; ", StringSplitOptions.RemoveEmptyEntries);
        var attackers = Split(attacker).Where(cookie => cookie.StartsWith(AntiforgeryCookie, StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(attackers);
        return string.Join("; ", Split(victim).Where(cookie => !cookie.StartsWith(AntiforgeryCookie, StringComparison.Ordinal)).Concat(attackers));
    }

    /// <summary>The attacker's page: the consent form, every field filled in, submitted as soon as it loads.</summary>
    private static string ForgedForm(Uri authorizeEndpoint, ConsentScene scene, string attackerToken)
    {
        var fields = scene.RequestFields("forged").Append(new("consent_answer", Allow)).Append(Token(attackerToken))
            .Select(field => $"""<input type="hidden" name="{WebUtility.HtmlEncode(field.Key)}" value="{WebUtility.HtmlEncode(field.Value)}">""");
        return $"""
            <!doctype html><html><body onload="document.forms[0].submit()">
            <form method="post" action="{WebUtility.HtmlEncode(authorizeEndpoint.AbsoluteUri)}">{string.Concat(fields)}</form>
            </body></html>
            """;
    }

    private static void RecordAttempt(string forgery, int status) =>
        ReliabilitySettings.Record("consent-forgery", new { forgery, status, codes = 0, grants = 0, realConsentWorked = true });

    private static async Task<Chromium> ChromiumAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            // Names for sites on this machine: to the browser, other sites (attacker.example) or one site (*.platform.test).
            Args = ["--host-resolver-rules=MAP attacker.example 127.0.0.1, MAP *.platform.test 127.0.0.1", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return new Chromium(playwright, browser);
    }

    private sealed record Chromium(IPlaywright Playwright, IBrowser Browser) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Browser.DisposeAsync();
            Playwright.Dispose();
        }
    }
}
