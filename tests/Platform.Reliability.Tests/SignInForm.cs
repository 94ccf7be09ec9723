using System.Net;
using System.Text.RegularExpressions;
using Platform.Testing;

namespace Platform.Reliability.Tests;

/// <summary>The sign-in form as a browser posts it: the page first (antiforgery cookie and field), then the form.</summary>
public static partial class SignInForm
{
    /// <summary>Posts the form; the answer is a redirect when the user is signed in, the page again when refused.</summary>
    public static async Task<HttpResponseMessage> PostAsync(Uri gateway, string login, string password, string? returnUrl = null)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler, disposeHandler: true) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        return await PostAsync(http, login, password, returnUrl);
    }

    /// <summary>
    /// Posts the form with <paramref name="browser"/> (its base address the gateway, redirects not followed), which keeps
    /// the cookies: after a sign-in it carries the session, as a browser would back to <c>/connect/authorize</c>.
    /// </summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient browser, string login, string password, string? returnUrl = null)
    {
        var query = returnUrl is null ? string.Empty : $"?ReturnUrl={Uri.EscapeDataString(returnUrl)}";
        using var page = await browser.GetAsync($"account/login{query}");
        if (page.StatusCode != HttpStatusCode.OK)
        {
            return page.StatusCode == HttpStatusCode.TooManyRequests || (int)page.StatusCode >= 500
                ? new HttpResponseMessage(page.StatusCode)
                : throw new InvalidOperationException($"The sign-in page answered {(int)page.StatusCode}.");
        }

        var antiforgery = Antiforgery().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        var fields = new Dictionary<string, string> { ["Login"] = login, ["Password"] = password, ["__RequestVerificationToken"] = antiforgery };
        if (returnUrl is not null)
        {
            fields["ReturnUrl"] = returnUrl;
        }

        return await browser.PostAsync($"account/login{query}", new FormUrlEncodedContent(fields));
    }

    public static bool SignedIn(HttpResponseMessage answer) => answer.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
