using Platform.Testing;
using Xunit;

namespace Platform.EndToEnd.Tests;

/// <summary>One running Platform shared by the test classes of the <see cref="ClusterCollection"/>.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public PlatformCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await PlatformCluster.StartAsync("e2e");

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "platform";
}
