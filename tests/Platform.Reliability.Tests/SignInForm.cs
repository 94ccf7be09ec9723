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
        var query = returnUrl is null ? string.Empty : $"?ReturnUrl={Uri.EscapeDataString(returnUrl)}";
        using var page = await http.GetAsync($"account/login{query}");
        if (page.StatusCode != HttpStatusCode.OK)
        {
            return page.StatusCode == HttpStatusCode.TooManyRequests ? new HttpResponseMessage(page.StatusCode) : throw new InvalidOperationException($"The sign-in page answered {(int)page.StatusCode}.");
        }

        var antiforgery = Antiforgery().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value;
        var fields = new Dictionary<string, string> { ["Login"] = login, ["Password"] = password, ["__RequestVerificationToken"] = antiforgery };
        if (returnUrl is not null)
        {
            fields["ReturnUrl"] = returnUrl;
        }

        return await http.PostAsync($"account/login{query}", new FormUrlEncodedContent(fields));
    }

    public static bool SignedIn(HttpResponseMessage answer) => answer.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther;

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
