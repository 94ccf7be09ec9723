using System.Text.Json;
using Microsoft.Playwright;

namespace Platform.Demo;

/// <summary>
/// The demo user in a headless Chromium (Debian's <c>/usr/bin/chromium</c>, driven by Playwright): signs in to
/// the shop through Platform's own login and consent pages, then uses the shop with the browser's cookie
/// (which holds only the shop's session key).
/// </summary>
public sealed class ShopVisitor : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright playwright;
    private readonly IBrowser browser;
    private readonly IPage page;
    private readonly Uri shop;

    private ShopVisitor(IPlaywright playwright, IBrowser browser, IPage page, Uri shop)
    {
        this.playwright = playwright;
        this.browser = browser;
        this.page = page;
        this.shop = shop;
    }

    public static async Task<ShopVisitor> OpenAsync(Uri shop)
    {
        if (!File.Exists(Chromium))
        {
            throw new DemoException($"{Chromium} is missing: install Debian's chromium package (./platform demo does when run as root).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync();
        return new ShopVisitor(playwright, browser, await context.NewPageAsync(), shop);
    }

    /// <summary>Opens the shop's sign-in, signs in on Platform's login page, allows on the consent page (when asked) and lands back on the shop.</summary>
    public async Task SignInAsync(string userName, string password)
    {
        await page.GotoAsync(new Uri(shop, "signin").AbsoluteUri);
        await page.GetByLabel("User name or e-mail").FillAsync(userName);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var allow = page.GetByRole(AriaRole.Button, new() { Name = "Allow" });
        var atShop = page.WaitForURLAsync(url => url.StartsWith(shop.AbsoluteUri, StringComparison.Ordinal), new() { Timeout = 30_000 });
        var asked = allow.WaitForAsync(new() { State = WaitForSelectorState.Visible, Timeout = 30_000 });
        if (await Task.WhenAny(atShop, asked) == asked && !page.Url.StartsWith(shop.AbsoluteUri, StringComparison.Ordinal))
        {
            await asked;
            await allow.ClickAsync();
        }

        await atShop;
    }

    /// <summary>Where the browser is and what the page says, for a failed step's message.</summary>
    public async Task<string> WhereAsync()
    {
        var text = (await page.InnerTextAsync("body")).ReplaceLineEndings(" ");
        return $"{page.Url}: {text[..Math.Min(300, text.Length)]}";
    }

    /// <summary>One request to the shop with the browser's cookies; the shop's JSON answer and its status.</summary>
    public async Task<(int Status, JsonElement Body)> CallAsync(string method, string path, object? json = null)
    {
        var options = new APIRequestContextOptions { Method = method, MaxRedirects = 0 };
        if (json is not null)
        {
            options.DataObject = json;
        }

        var response = await page.Context.APIRequest.FetchAsync(new Uri(shop, path).AbsoluteUri, options);
        var text = await response.TextAsync();
        return (response.Status, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
