using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Shop.Backend.Activity;
using Shop.Backend.Sessions;
using Shop.Backend.Tokens;

namespace Shop.Backend.SigningIn;

/// <summary>
/// Sign-in with ASP.NET Core's own OpenID Connect handler: authorization code + PKCE (S256) against the issuer's
/// discovery document, the client authenticated with its secret, the tokens saved in the server-side session.
/// </summary>
public static class SignInSetup
{
    public static WebApplicationBuilder AddSignIn(this WebApplicationBuilder builder, ShopSettings settings)
    {
        builder.Services.AddDataProtection()
            .SetApplicationName("Shop.Backend")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(settings.DataFolder, "keys")));
        builder.Services.AddSingleton<ITicketStore>(services => new EncryptedTicketStore(
            Path.Combine(settings.DataFolder, "sessions"), services.GetRequiredService<IDataProtectionProvider>(), services.GetRequiredService<TimeProvider>()));
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<ITicketStore>((options, store) => options.SessionStore = store);

        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(options =>
            {
                options.Cookie.Name = "shop.session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
            })
            .AddOpenIdConnect(options =>
            {
                options.Authority = settings.Issuer.AbsoluteUri;
                options.RequireHttpsMetadata = settings.Issuer.Scheme == Uri.UriSchemeHttps;
                options.ClientId = settings.ClientId;
                options.ClientSecret = settings.ClientSecret;
                options.ResponseType = OpenIdConnectResponseType.Code;
                options.UsePkce = true;

                // The code comes back in the query of a top-level GET, which carries SameSite=Lax cookies (the
                // correlation and nonce cookies) also over plain http on loopback; form_post would not.
                options.ResponseMode = OpenIdConnectResponseMode.Query;
                options.CorrelationCookie.SameSite = SameSiteMode.Lax;
                options.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.NonceCookie.SameSite = SameSiteMode.Lax;
                options.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;

                options.Scope.Clear();
                foreach (var scope in settings.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    options.Scope.Add(scope);
                }

                options.SaveTokens = true;
                options.GetClaimsFromUserInfoEndpoint = true;
                options.MapInboundClaims = false;
                options.TokenValidationParameters.NameClaimType = "preferred_username";
                options.DisableTelemetry = true;
                options.Events = new OpenIdConnectEvents
                {
                    OnTokenResponseReceived = context =>
                    {
                        if (context.TokenEndpointResponse.Scope is { } granted)
                        {
                            context.Properties!.Items[UserSession.GrantedScopeItem] = granted;
                        }

                        return Task.CompletedTask;
                    },
                    OnTicketReceived = context =>
                    {
                        var session = Guid.NewGuid().ToString("N");
                        ((ClaimsIdentity)context.Principal!.Identity!).AddClaim(new Claim(UserSession.IdClaim, session));
                        context.Properties!.Items.TryGetValue(UserSession.GrantedScopeItem, out var granted);
                        context.HttpContext.RequestServices.GetRequiredService<ActivityLog>().Add(session, "sign-in",
                            $"Signed in as {context.Principal.Identity.Name} with code + PKCE; granted scopes: {granted}.");
                        return Task.CompletedTask;
                    },
                    OnRemoteFailure = context =>
                    {
                        // access_denied (the user said no), or a failed exchange: the home page says so.
                        context.Response.Redirect("/?signin_error=" + Uri.EscapeDataString(context.Failure?.Message ?? "sign-in failed"));
                        context.HandleResponse();
                        return Task.CompletedTask;
                    },
                };
            });
        return builder;
    }
}
