using System.Diagnostics.Metrics;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts.Events;
using Platform.ServiceDefaults;
using Platform.Testing;
using Xunit;

namespace Platform.Token.Tests.Operations;

/// <summary>
/// A relay that cannot reach RabbitMQ shows as a growing lag, the signal an operator's "relay stalled" alert
/// watches: the token service runs against a broker address where nothing listens, and a token it records stays
/// unpublished.
/// </summary>
public sealed class StalledRelayTests : IAsyncLifetime
{
    private ServiceHost<Program> host = null!;

    public async Task InitializeAsync()
    {
        var postgres = await TestServers.CreateDatabaseAsync("stalled_relay");
        host = new ServiceHost<Program>(postgres, $"amqp://guest:guest@127.0.0.1:{ServiceProcess.FreePort()}/", $"stalled-relay-{Guid.NewGuid():N}");
        host.StartServer();
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Relay_BrokerUnreachable_LagInEventsAndSecondsRises()
    {
        using var capture = new MeterCapture(host.Services.GetRequiredService<IMeterFactory>(), PlatformMeters.Relay);
        var tokenId = Guid.CreateVersion7().ToString();
        var now = DateTimeOffset.UtcNow;
        await using (var session = host.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.StartStream(tokenId, new TokenIssued(tokenId, TokenKinds.AccessToken, "app", "shop", null, "shop", ["api"], ["api"],
                now, now.AddMinutes(5), null, Convert.ToBase64String(Guid.NewGuid().ToByteArray()), "valid"));
            await session.SaveChangesAsync();
        }

        await Eventually.HoldsAsync(() => capture.Observe("platform.relay.lag.events") >= 1, "the unpublished token to count as relay lag");
        await Eventually.HoldsAsync(() => capture.Observe("platform.relay.lag.seconds") > 0.5, "the relay lag in seconds to grow");
        Assert.Equal(0, capture.Sum("platform.relay.published"));
    }
}
