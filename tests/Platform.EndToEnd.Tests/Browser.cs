using Microsoft.Playwright;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// Headless Chromium from Debian, driven by Playwright: a person's browser, with its own cookies, for the
/// sign-in and consent pages. Playwright's own browser download does not work on these machines.
/// </summary>
public sealed class Browser : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        this.playwright = playwright;
        this.browser = browser;
    }

    public static async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: install Debian's chromium package ('./platform test' does).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return new Browser(playwright, browser);
    }

    /// <summary>A fresh profile: no cookies, as a person who never signed in.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await browser.NewContextAsync();
        return await context.NewPageAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }
}
