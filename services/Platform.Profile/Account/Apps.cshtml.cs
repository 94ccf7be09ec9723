using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;
using Platform.Identity.Sessions;

namespace Platform.Profile.Account;

/// <summary>
/// <c>/account/apps</c>: the applications the signed-in user allowed to act for them, what each may do and
/// since when, and a button that takes that permission back (its tokens stop working at once).
/// </summary>
public sealed class AppsModel(
    IOpenIddictAuthorizationManager grants, IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens, IOpenIddictScopeManager scopes)
    : PageModel
{
    public const string PagePath = "/account/apps";

    private readonly ConnectedApps connectedApps = new(grants, applications, tokens);
    private readonly ScopeDescriptions descriptions = new(scopes);

    public string? SignedInAs { get; private set; }

    public IReadOnlyList<ConnectedApp> Apps { get; private set; } = [];

    public IReadOnlyDictionary<string, string> ScopeWords { get; private set; } = new Dictionary<string, string>();

    /// <summary>The name of the application whose access was just removed, to confirm it.</summary>
    public string? Removed { get; private set; }

    public async Task<IActionResult> OnGetAsync([FromQuery(Name = "removed")] string? removed, CancellationToken cancellationToken)
    {
        if (Subject() is not { } subject)
        {
            return SignIn();
        }

        SignedInAs = User.FindFirst(SignInSession.Claims.PreferredUserName)?.Value ?? User.Identity?.Name;
        Apps = await connectedApps.ListAsync(subject, cancellationToken);
        var words = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var scope in Apps.SelectMany(app => app.Scopes).Distinct(StringComparer.Ordinal))
        {
            words[scope] = await descriptions.DescribeAsync(scope, cancellationToken);
        }

        ScopeWords = words;
        if (removed is { Length: > 0 and <= 200 } && await applications.FindByIdAsync(removed, cancellationToken) is { } application)
        {
            var name = await applications.GetLocalizedDisplayNameAsync(application, cancellationToken);
            Removed = string.IsNullOrWhiteSpace(name) ? await applications.GetClientIdAsync(application, cancellationToken) : name;
        }

        return Page();
    }

    /// <summary>Removes the application's access. Antiforgery-checked (Razor Pages validate every POST); only the user's own grants are touched.</summary>
    public async Task<IActionResult> OnPostRemoveAsync([FromForm(Name = "application")] string? application, CancellationToken cancellationToken)
    {
        if (Subject() is not { } subject)
        {
            return SignIn();
        }

        if (string.IsNullOrEmpty(application) || application.Length > 200)
        {
            return RedirectToPage();
        }

        var revoked = await connectedApps.RemoveAsync(subject, application, cancellationToken);
        return revoked == 0 ? RedirectToPage() : RedirectToPage(new { removed = application });
    }

    private string? Subject() =>
        User.Identity?.IsAuthenticated == true && User.FindFirst(SignInSession.Claims.Subject)?.Value is { Length: > 0 } subject ? subject : null;

    private RedirectResult SignIn() => Redirect($"{SignInSession.LoginPath}?ReturnUrl={Uri.EscapeDataString(PagePath)}");
}
