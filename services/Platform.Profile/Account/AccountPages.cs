using System.Globalization;
using Platform.Identity.Sessions;
using Platform.Profile.Users.SigningIn;
using Platform.Profile.Users.SigningOut;
using Platform.ServiceDefaults;

namespace Platform.Profile.Account;

/// <summary>
/// The pages under <c>/account</c> (Razor Pages in this folder): sign-in and sign-out, the session cookie they
/// write (<see cref="SignInSession"/>), the lockout policy, and the headers that keep the pages out of frames.
/// </summary>
public static class AccountPages
{
    public const string StylesheetPath = "/account/account.css";

    public static WebApplicationBuilder AddAccountPages(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(ReadPolicy(builder.Configuration));
        builder.Services.AddSingleton<UnknownUserCredential>();
        builder.Services.AddScoped<PasswordSignIn>();
        builder.Services.AddSingleton<SignInMetrics>();
        builder.Services.AddScoped<SessionSignOut>();
        builder.AddSignInSession();
        builder.Services.AddRazorPages(options => options.RootDirectory = "/Account");
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "platform.antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
        return builder;
    }

    public static WebApplication MapAccountPages(this WebApplication app)
    {
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/account"), pages => pages.Use(AddSecurityHeaders));
        var stylesheet = ReadStylesheet();
        app.MapGet(StylesheetPath, () => Results.Text(stylesheet, "text/css; charset=utf-8"));
        app.MapRazorPages();
        return app;
    }

    private static Task AddSecurityHeaders(HttpContext context, RequestDelegate next)
    {
        // The gateway adds these too; the pages must not depend on it (a request that bypasses it, a test).
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        return next(context);
    }

    private static SignInPolicy ReadPolicy(ConfigurationManager configuration)
    {
        var defaults = new SignInPolicy();
        const string maxKey = SignInPolicy.Section + ":MaxFailedAttempts";
        const string durationKey = SignInPolicy.Section + ":LockoutDuration";
        var max = configuration[maxKey];
        var duration = configuration[durationKey];
        var policy = defaults;
        if (!string.IsNullOrWhiteSpace(max))
        {
            policy = int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 1
                ? policy with { MaxFailedAttempts = parsed }
                : throw new MissingSettingException(maxKey, "the number of wrong passwords in a row that locks a user out (1 or more)", $"'{max}' is not");
        }

        if (!string.IsNullOrWhiteSpace(duration))
        {
            policy = TimeSpan.TryParse(duration, CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero
                ? policy with { LockoutDuration = parsed }
                : throw new MissingSettingException(durationKey, "how long a lockout lasts, as a positive time span (for example 00:15:00)", $"'{duration}' is not");
        }

        return policy;
    }

    private static string ReadStylesheet()
    {
        using var stream = typeof(AccountPages).Assembly.GetManifestResourceStream("Platform.Profile.Account.account.css")
            ?? throw new InvalidOperationException("The account pages' stylesheet is not embedded in the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
