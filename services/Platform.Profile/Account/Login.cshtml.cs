using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Platform.Identity.Sessions;
using Platform.Profile.Users.SigningIn;

namespace Platform.Profile.Account;

/// <summary>
/// <c>/account/login</c>: the form, and the password check behind it. Every refusal (wrong password, unknown
/// user, locked out, disabled) is the same page with the same words, so the page does not tell who exists.
/// </summary>
public sealed class LoginModel(PasswordSignIn signIn) : PageModel
{
    public const string Refused = "The user name or password is incorrect.";
    public const string Incomplete = "Enter your user name or e-mail and your password.";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Login { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    /// <param name="loginHint">The client's <c>login_hint</c>, passed on by the authorization endpoint: fills in the name.</param>
    public void OnGet([FromQuery(Name = "login_hint")] string? loginHint)
    {
        ReturnUrl = LocalUrl.IsLocal(ReturnUrl) ? ReturnUrl : null;
        Login = loginHint is { Length: <= 256 } ? loginHint : null;
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ReturnUrl = LocalUrl.IsLocal(ReturnUrl) ? ReturnUrl : null;
        if (string.IsNullOrWhiteSpace(Login) || string.IsNullOrEmpty(Password))
        {
            Error = Incomplete;
            return Page();
        }

        var principal = await signIn.SignInAsync(Login.Trim(), Password, cancellationToken);
        if (principal is null)
        {
            Error = Refused;
            return Page();
        }

        await HttpContext.SignInAsync(SignInSession.Scheme, principal, new AuthenticationProperties { IsPersistent = false });
        return LocalRedirect(LocalUrl.OrAccountHome(ReturnUrl));
    }
}
