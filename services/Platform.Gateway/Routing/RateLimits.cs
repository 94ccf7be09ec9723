using System.Threading.RateLimiting;

namespace Platform.Gateway.Routing;

/// <summary>
/// Per-client-address token buckets on the paths that take credentials (settings under
/// <c>Platform:RateLimits</c>). A caller over its budget gets 429 with <c>Retry-After</c>.
/// </summary>
public static class RateLimits
{
    public const string Credentials = "credentials";
    public const string SignIn = "sign-in";

    public static string? PolicyFor(string path) => path switch
    {
        "/connect/token" or "/connect/revoke" => Credentials,
        "/account/{**rest}" => SignIn,
        _ => null,
    };

    public static WebApplicationBuilder AddRateLimits(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return ValueTask.CompletedTask;
            };
            limiter.AddPolicy(Credentials, context => Bucket(context, options.CredentialsPerSecond));
            limiter.AddPolicy(SignIn, context => Bucket(context, options.SignInPerSecond));
        });
        return builder;
    }

    private static RateLimitPartition<string> Bucket(HttpContext context, int perSecond) =>
        RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond * 2,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
}

public sealed record RateLimitOptions
{
    public const string Section = "Platform:RateLimits";

    /// <summary>Requests per second and client address to /connect/token and /connect/revoke.</summary>
    public int CredentialsPerSecond { get; init; } = 200;

    /// <summary>Requests per second and client address to the sign-in pages.</summary>
    public int SignInPerSecond { get; init; } = 10;
}
