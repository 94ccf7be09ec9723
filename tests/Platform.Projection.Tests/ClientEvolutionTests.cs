using Platform.Contracts.Events;
using Platform.Projection.ReadModel;
using Xunit;

namespace Platform.Projection.Tests;

public sealed class ClientEvolutionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static ClientRegistered Registered => new("app1", "shop", "Shop", "confidential", "web", "explicit",
        [], [], ["ept:token"], [], new Dictionary<string, string>(), "sha256:old", Now);

    [Fact]
    public void Apply_DisabledThenLateEnabledFromEarlierVersion_StaysDisabled()
    {
        var view = ClientEvolution.Apply(null, Registered, streamVersion: 1, sequence: 1);
        view = ClientEvolution.Apply(view, new ClientDisabled("app1", "compromised", Now), streamVersion: 3, sequence: 3);
        view = ClientEvolution.Apply(view, new ClientEnabled("app1", Now), streamVersion: 2, sequence: 2);

        Assert.False(view.Enabled);
    }

    [Fact]
    public void Apply_RotatedSecretThenLateRegistration_KeepsRotatedSecret()
    {
        var view = ClientEvolution.Apply(null, new ClientSecretRotated("app1", "sha256:new", Now, null), streamVersion: 2, sequence: 2);
        view = ClientEvolution.Apply(view, Registered, streamVersion: 1, sequence: 1);

        Assert.Equal("sha256:new", view.SecretHash);
        Assert.Equal("shop", view.ClientId);
    }

    [Fact]
    public void Apply_DuplicateRegistration_ChangesNothing()
    {
        var once = ClientEvolution.Apply(null, Registered, 1, 1);
        var twice = ClientEvolution.Apply(once, Registered, 1, 1);

        Assert.Equal(once, twice);
    }
}
