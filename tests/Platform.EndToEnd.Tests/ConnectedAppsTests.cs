using System.Net;
using Microsoft.Playwright;
using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>
/// <c>/account/apps</c> as a person uses it in a real browser: after allowing an application, they find it on
/// the page with what it may do and since when, remove it, and the application's tokens stop working.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ConnectedAppsTests(ClusterFixture fixture)
{
    private PlatformCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task AppsPage_UserRemovesAnApp_ItsAccessTokenIsInactiveAndItsRefreshTokenRefused()
    {
        using var callback = new CallbackListener();
        var name = $"Shop {Guid.NewGuid():N}"[..13];
        var client = await RegisterWebClientAsync(name, callback);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        var tokens = await UserSignIn.SignInAsync(Cluster, page, client, callback, Cluster.User.UserName, Cluster.User.Password);
        await Cluster.WaitForActiveAsync(tokens.AccessToken!, active: true);

        await page.GotoAsync(new Uri(Cluster.Issuer, "account/apps").AbsoluteUri);
        var app = page.GetByRole(AriaRole.Listitem).Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = name }) });
        Assert.Equal(1, await app.CountAsync());
        var text = await app.InnerTextAsync();
        Assert.Contains("Sign you in", text);
        Assert.Contains("See your e-mail address", text);
        Assert.Contains("Stay signed in when you are away", text);
        Assert.Contains($"Allowed since {DateTime.UtcNow:d MMMM yyyy}", text);

        await page.GetByRole(AriaRole.Button, new() { Name = $"Remove access for {name}" }).ClickAsync();

        Assert.Contains($"You removed the access of {name}", await page.GetByRole(AriaRole.Status).InnerTextAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Heading, new() { Name = name }).CountAsync());
        await Cluster.WaitForActiveAsync(tokens.AccessToken!, active: false);
        var refreshed = await UserSignIn.RefreshAsync(Cluster, client, tokens.RefreshToken!);
        Assert.True(refreshed.IsError, "a refresh token of a removed app must not work");
        Assert.Equal("invalid_grant", refreshed.Error);
    }

    [Fact]
    public async Task AppsPage_NotSignedIn_AsksToSignInAndThenShowsThePage()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();

        await page.GotoAsync(new Uri(Cluster.Issuer, "account/apps").AbsoluteUri);
        Assert.Contains("/account/login", page.Url);
        await page.GetByLabel("User name or e-mail").FillAsync(Cluster.User.UserName);
        await page.GetByLabel("Password").FillAsync(Cluster.User.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/account/apps");
        Assert.Equal("Connected apps", await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync());
    }

    [Fact]
    public async Task AppsPage_RemoveWithoutAntiforgeryToken_IsRefusedAndRevokesNothing()
    {
        using var callback = new CallbackListener();
        var name = $"Forged {Guid.NewGuid():N}"[..15];
        var client = await RegisterWebClientAsync(name, callback);
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        var tokens = await UserSignIn.SignInAsync(Cluster, page, client, callback, Cluster.User.UserName, Cluster.User.Password);
        await page.GotoAsync(new Uri(Cluster.Issuer, "account/apps").AbsoluteUri);
        var app = page.GetByRole(AriaRole.Listitem).Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = name }) });
        var application = await app.Locator("input[name=application]").GetAttributeAsync("value");

        // The user's own session cookie, as a cross-site form would carry it, but without the page's antiforgery token.
        var answer = await page.Context.APIRequest.PostAsync(new Uri(Cluster.Issuer, "account/apps?handler=Remove").AbsoluteUri,
            new() { Form = page.Context.APIRequest.CreateFormData().Set("application", application!), MaxRedirects = 0 });

        Assert.Equal((int)HttpStatusCode.BadRequest, answer.Status);
        Assert.True((await Cluster.IntrospectAsync(tokens.AccessToken!)).GetProperty("active").GetBoolean());
    }

    private async Task<(string Id, string Secret)> RegisterWebClientAsync(string displayName, CallbackListener callback) =>
        await Cluster.RegisterClientAsync(new
        {
            clientId = $"apps-{Guid.NewGuid():N}",
            displayName,
            grantTypes = new[] { "authorization_code", "refresh_token" },
            redirectUris = new[] { callback.RedirectUri.AbsoluteUri },
            scopes = UserSignIn.Scopes.Split(' '),
        });
}
