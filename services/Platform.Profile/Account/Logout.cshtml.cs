using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Identity.Sessions;
using Platform.Profile.Users.SigningOut;

namespace Platform.Profile.Account;

/// <summary><c>/account/logout</c>: asks first (a link alone must not sign anyone out), then ends the session.</summary>
public sealed class LogoutModel(SessionSignOut signOut) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? SignedInAs { get; private set; }

    public void OnGet()
    {
        ReturnUrl = LocalUrl.IsLocal(ReturnUrl) ? ReturnUrl : null;
        SignedInAs = User.Identity?.IsAuthenticated == true ? User.FindFirst(SignInSession.Claims.PreferredUserName)?.Value ?? User.Identity.Name : null;
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ReturnUrl = LocalUrl.IsLocal(ReturnUrl) ? ReturnUrl : null;
        var session = await HttpContext.AuthenticateAsync(SignInSession.Scheme);
        await HttpContext.SignOutAsync(SignInSession.Scheme);
        if (session.Principal is { } principal)
        {
            await signOut.RecordAsync(principal, cancellationToken);
        }

        if (ReturnUrl is not null)
        {
            return LocalRedirect(ReturnUrl);
        }

        SignedInAs = null;
        return Page();
    }
}
