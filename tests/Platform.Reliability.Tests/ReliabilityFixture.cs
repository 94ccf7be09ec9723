using Platform.Testing;
using Xunit;

namespace Platform.Reliability.Tests;

/// <summary>
/// One Platform on a PostgreSQL server and a RabbitMQ broker of its own (so that restarting or killing them disturbs
/// no other test), shared by the reliability tests, which run one at a time. Lockout and rate limits are short so that
/// the brute-force tests see the cool-down end.
/// </summary>
public sealed class ReliabilityFixture : IAsyncLifetime
{
    /// <summary>Wrong passwords in a row before a lockout, and how long it lasts, in this cluster.</summary>
    public const int MaxFailedAttempts = 3;

    public static readonly TimeSpan LockoutDuration = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a redeemed refresh token may be presented again in this cluster (Platform's default is 2 s): the user
    /// loop waits this long before it replays one, so a short leeway keeps its rounds short.
    /// </summary>
    public static readonly TimeSpan RefreshTokenReuseLeeway = TimeSpan.FromSeconds(1);

    public PrivatePostgres Postgres { get; private set; } = null!;
    public PrivateRabbitMq Broker { get; private set; } = null!;
    public PlatformCluster Cluster { get; private set; } = null!;

    /// <summary>The workload's client: client_credentials with the <c>api</c> scope.</summary>
    public (string Id, string Secret) Client { get; private set; }

    /// <summary>
    /// The workload's web application: authorization code with PKCE and refresh tokens, consent implicit, the
    /// <c>api</c> scope, allowed to introspect its own tokens; and the user who signs in to it.
    /// </summary>
    public SignInParty SignIns { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var servers = await Task.WhenAll(Task.Run(async () => (object)await PrivatePostgres.StartAsync()), Task.Run(async () => (object)await PrivateRabbitMq.StartAsync()));
        Postgres = (PrivatePostgres)servers[0];
        Broker = (PrivateRabbitMq)servers[1];
        Cluster = await PlatformCluster.StartAsync("reliability", Broker.Uri, new Dictionary<string, string?>
        {
            ["Platform__SignIn__MaxFailedAttempts"] = MaxFailedAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Platform__SignIn__LockoutDuration"] = LockoutDuration.ToString(),
            ["Platform__Tokens__RefreshTokenReuseLeeway"] = RefreshTokenReuseLeeway.ToString("c"),
        }, Postgres.ConnectionString);
        Client = await Cluster.RegisterClientAsync(new { clientId = $"workload-{Guid.NewGuid():N}", scopes = new[] { "api" } });
        await Cluster.WaitForActiveAsync(await Cluster.GetTokenAsync(Client, "api"), active: true, caller: Cluster.Api);
        SignIns = await SignInParty.RegisterAsync(Cluster);
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }

        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ReliabilityCollection : ICollectionFixture<ReliabilityFixture>
{
    public const string Name = "reliability";
}
