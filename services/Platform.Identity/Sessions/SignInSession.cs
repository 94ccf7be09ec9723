using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Platform.Identity.Protocol;
using Platform.ServiceDefaults;

namespace Platform.Identity.Sessions;

/// <summary>
/// The user's sign-in session: a cookie the profile service writes when a password checks out, and the
/// authorization service reads to know who is asking for consent. Both protect it with the same
/// data-protection key ring, kept in PostgreSQL.
/// </summary>
public static class SignInSession
{
    /// <summary>The authentication scheme both services register for the session cookie.</summary>
    public const string Scheme = "Platform.Session";

    public const string CookieName = "platform.session";
    public const string LoginPath = "/account/login";
    public const string LogoutPath = "/account/logout";

    /// <summary>Claim types the session carries (OpenID Connect names).</summary>
    public static class Claims
    {
        public const string Subject = "sub";
        public const string Name = "name";
        public const string PreferredUserName = "preferred_username";
        public const string Email = "email";

        /// <summary>Seconds since the epoch when the user last entered a password (for <c>max_age</c>).</summary>
        public const string AuthenticationTime = "auth_time";

        /// <summary>The sign-in session's id: appears in <c>UserSignedIn</c>, never a credential.</summary>
        public const string SessionId = "sid";
    }

    public static WebApplicationBuilder AddSignInSession(this WebApplicationBuilder builder)
    {
        var issuer = Issuer.Read(builder);
        builder.Services.AddSingleton<PostgresXmlRepository>(_ => new PostgresXmlRepository(NpgsqlDataSource.Create(builder.PostgresConnectionString())));
        builder.Services.AddSingleton<IDatabaseObjects>(sp => sp.GetRequiredService<PostgresXmlRepository>());
        builder.Services.AddDataProtection().SetApplicationName("Platform");
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<PostgresXmlRepository>((options, repository) => options.XmlRepository = repository);

        builder.Services.AddAuthentication(Scheme)
            .AddCookie(Scheme, options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.Path = "/";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = issuer.Scheme == Uri.UriSchemeHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                options.LoginPath = LoginPath;
                options.LogoutPath = LogoutPath;
                options.ReturnUrlParameter = "ReturnUrl";
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
            });
        return builder;
    }
}
