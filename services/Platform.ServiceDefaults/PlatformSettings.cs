namespace Platform.ServiceDefaults;

/// <summary>
/// Every setting a Platform service reads, with its default and what it does: the source of the README's
/// configuration table and of the check that docker-compose.yml sets only settings that exist.
/// Environment variables spell <c>:</c> as <c>__</c>.
/// </summary>
public static class PlatformSettings
{
    public const string Gateway = "gateway";
    public const string Authorization = "authorization";
    public const string Token = "token";
    public const string Profile = "profile";
    public const string Projection = "projection";

    private static readonly string[] Writers = [Authorization, Token, Profile];
    private static readonly string[] Backends = [Authorization, Token, Profile, Projection];
    private static readonly string[] Everyone = [Gateway, Authorization, Token, Profile, Projection];

    public static IReadOnlyList<Setting> All { get; } =
    [
        new("ASPNETCORE_URLS", Everyone, "http://localhost:5000", "Where the service listens (standard ASP.NET Core)."),
        new("ASPNETCORE_ENVIRONMENT", Everyone, "Production", "Hosting environment (standard ASP.NET Core)."),
        new("ConnectionStrings:Postgres", Backends, "required", "PostgreSQL connection string: the event store for the writers, the read model for the projection."),
        new("ConnectionStrings:RabbitMq", Backends, "required", "RabbitMQ URI (amqp://user:password@host:port/vhost) the relays publish to and the projection consumes from."),
        new("Platform:Issuer", Everyone, "required", "The public issuer URL, the gateway's address as clients see it. Plain http only on loopback."),
        new("Platform:Upstreams:Authorization", [Gateway], "required", "Base URL of the authorization service."),
        new("Platform:Upstreams:Token", [Gateway], "required", "Base URL of the token service."),
        new("Platform:Upstreams:Profile", [Gateway], "required", "Base URL of the profile service."),
        new("Platform:Upstreams:Projection", [Gateway], "required", "Base URL of the projection service."),
        new("Platform:ForwardedHeaders:KnownNetworks", Everyone, "none", "CIDR ranges (comma-separated) of the proxies whose X-Forwarded-For and X-Forwarded-Proto are believed: the ingress controller's for the gateway (which believes no one else), the gateway's for the backends (which also believe loopback). Behind a proxy that terminates TLS the services see https only from these; never a range that clients are in."),
        new("Platform:RateLimits:CredentialsPerSecond", [Gateway], "200", "Requests per second and client address to /connect/token and /connect/revoke; more get 429."),
        new("Platform:RateLimits:SignInPerSecond", [Gateway], "10", "Requests per second and client address to /account/*; more get 429."),
        new("Platform:Seed:File", [Authorization, Profile], "none", "A JSON file of scopes, clients and users to create at start-up when missing (./platform up writes one)."),
        new("Platform:SignIn:MaxFailedAttempts", [Profile], "5", "Wrong passwords in a row after which a user is locked out; a locked-out user gets the same answer as a wrong password."),
        new("Platform:SignIn:LockoutDuration", [Profile], "00:15:00", "How long a lockout lasts; then the user may sign in again."),
        new("Platform:Registration:Mode", [Authorization], "off", "Dynamic client registration (RFC 7591/7592) at /connect/register: off, open (anyone may register a client that signs users in) or protected (an initial access token is required: a bearer token with the platform.register scope)."),
        new("Platform:Tokens:AccessTokenLifetime", Writers, "00:15:00", "How long an access token lives."),
        new("Platform:Tokens:RefreshTokenReuseLeeway", Writers, "00:00:02", "How long a redeemed refresh token may be presented again (a lost answer retried) before it counts as replayed and its whole grant is revoked."),
        new("Platform:Keys:RotationInterval", Writers, "30.00:00:00", "How long a signing or encryption key is used before the next one takes over."),
        new("Platform:Keys:PublishAhead", Writers, "2.00:00:00", "How long before it takes over the next signing key is published in the JWKS."),
        new("Platform:Keys:RetainAfterRotation", Writers, "30.00:00:00", "How long a key stays published and able to decrypt after its successor took over (the longest token life)."),
        new("Platform:Keys:CheckInterval", Writers, "00:05:00", "How often each service applies the key schedule."),
        new("Platform:Bus:QueuePrefix", Backends, "the service name", "Prefix of the service's RabbitMQ queue names; replicas of one service share it."),
        new("Platform:Identity:LookupLifetime", Backends, "00:00:05", "How long a replica answers client and scope look-ups (the projection: introspection callers) from memory: the longest a client disabled or a secret rotated through another replica keeps working on this one, and a client id this one found unknown stays unknown after another replica registered it (0 turns the cache off)."),
        new("Platform:Identity:MaxMisses", Writers, "10000", "How many client ids found unknown a replica remembers (each for LookupLifetime) so that an unknown id costs what a known one does; when full, expired ones are dropped and further unknown ids go to the database each time."),
        new("Platform:Projection:MaxLag", [Projection], "00:00:02", "The oldest unapplied revocation a projection replica may have and still answer from its cache and read model; beyond it the replica answers from the writers' documents and /health/ready fails."),
        new("Platform:Projection:CacheSize", [Projection], "100000", "How many active tokens each projection replica caches for introspection (0 turns the cache off)."),
        new("OTEL_EXPORTER_OTLP_ENDPOINT", Everyone, "none", "OTLP collector for traces and metrics (standard OpenTelemetry variable); telemetry export is off without it."),
        new("OTEL_SERVICE_NAME", Everyone, "the service name", "Service name in telemetry (standard OpenTelemetry variable)."),
    ];

    public static IEnumerable<Setting> For(string service) => All.Where(setting => setting.Services.Contains(service));
}

/// <param name="Key">The configuration key (<c>Section:Name</c>).</param>
/// <param name="Services">The services that read it.</param>
/// <param name="Default">Its default, or <c>required</c>.</param>
/// <param name="Description">What it does.</param>
public sealed record Setting(string Key, IReadOnlyList<string> Services, string Default, string Description)
{
    public string EnvironmentVariable => RequiredSettings.AsEnvironmentVariable(Key);
}
