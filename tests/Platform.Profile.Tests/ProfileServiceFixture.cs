using Marten;
using Microsoft.Extensions.DependencyInjection;
using Platform.Profile.Users;
using Platform.Testing;
using Xunit;

namespace Platform.Profile.Tests;

/// <summary>The profile service on a database of its own, seeded with one user as an operator seeds it.</summary>
public sealed class ProfileServiceFixture : IAsyncLifetime
{
    public string Postgres { get; private set; } = "";
    public string RabbitMq { get; private set; } = "";
    public ServiceHost<Program> Host { get; private set; } = null!;
    public SeedFileOnDisk Seed { get; private set; } = null!;
    public string UserName { get; } = $"ada-{Guid.NewGuid():N}"[..20];
    public string Email => $"{UserName}@example.com";
    public string Password { get; } = PlatformCluster.NewSecret();

    public async Task InitializeAsync()
    {
        RabbitMq = await TestServers.RabbitMqAsync();
        Postgres = await TestServers.CreateDatabaseAsync("profile");
        Seed = SeedFileOnDisk.Write(new { users = new[] { new { userName = UserName, email = Email, password = Password } } });
        Host = StartHost(Postgres, RabbitMq, Seed.Path);
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        Seed.Dispose();
    }

    public static ServiceHost<Program> StartHost(string postgres, string rabbitMq, string seedFile)
    {
        var host = new ServiceHost<Program>(postgres, rabbitMq, $"profile-tests-{Guid.NewGuid():N}", new Dictionary<string, string?>
        {
            ["Platform:Seed:File"] = seedFile,
        });
        host.StartServer();
        return host;
    }

    /// <summary>The seeded user's account and credential documents, as the service stored them.</summary>
    public async Task<(UserAccount Account, UserCredential Credential)> StoredUserAsync()
    {
        await using var session = Host.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var account = Assert.Single(await session.Query<UserAccount>().Where(user => user.UserName == UserName).ToListAsync());
        var credential = await session.LoadAsync<UserCredential>(account.Id);
        Assert.NotNull(credential);
        return (account, credential);
    }
}
