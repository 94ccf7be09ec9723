using Platform.Demo;
using Platform.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Platform.Samples.Tests;

/// <summary>
/// The story of <c>./platform demo</c> as a test, on a Platform of its own: the documents API and the shop
/// (real processes from their builds) registered through the admin API, the demo user signing in with a real
/// browser, and what the shop, the API and the audit trail say at each step.
/// </summary>
public sealed class ShopScenarioTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string folder = Directory.CreateTempSubdirectory("shop-scenario-").FullName;
    private PlatformCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await PlatformCluster.StartAsync("samples");

    [Fact]
    public async Task ShopAndDocuments_SignInExpiryForbiddenRevocation_EachStepAsTheUserExpects()
    {
        var text = new StringWriter();
        var console = new DemoConsole(text);
        var options = new DemoOptions(cluster.Issuer, cluster.Admin.Id, cluster.Admin.Secret, cluster.User.UserName, cluster.User.Password,
            new Uri($"http://127.0.0.1:{ServiceProcess.FreePort()}/"), new Uri($"http://127.0.0.1:{ServiceProcess.FreePort()}/"),
            Path.Combine(folder, "shop-data"), new DemoSecrets(Path.Combine(folder, "demo-clients.env")));
        await using var apps = new SampleProcesses(RepositoryRoot.Path, ServiceProcess.Configuration, folder);
        var story = new DemoStory(options, apps, console);

        try
        {
            await story.RunAsync(CancellationToken.None);
        }
        finally
        {
            output.WriteLine(text.ToString());
        }

        var report = story.Report;
        Assert.Equal(cluster.User.UserName, report.SignedInAs);
        Assert.Contains("documents.write", report.GrantedScope!.Split(' '));
        Assert.Contains("Blue mugs, 3 pieces", report.DocumentAfterUpdate);

        Assert.StartsWith("GET /documents -> 401 invalid_token", report.ExpiredCall[0]);
        Assert.Contains(report.ExpiredCall, step => step.StartsWith("Refreshed", StringComparison.Ordinal));
        Assert.Equal("ok", report.ExpiredCallOutcome);
        Assert.DoesNotContain(report.ProactiveCall, step => step.Contains("401", StringComparison.Ordinal));

        Assert.Equal("permission_denied", report.ForbiddenOutcome);
        Assert.Equal("documents.write", report.ForbiddenScope);
        Assert.Contains(report.ForbiddenSteps, step => step.Contains("403 insufficient_scope", StringComparison.Ordinal));
        Assert.DoesNotContain(report.ForbiddenSteps, step => step.Contains("new one", StringComparison.Ordinal));

        Assert.StartsWith("GET /documents -> 401 invalid_token", report.RevokedCall[0]);
        Assert.Contains(report.RevokedCall, step => step.Contains("invalid_grant", StringComparison.Ordinal));
        Assert.Equal("sign_in_required", report.RevokedCallOutcome);
        Assert.False(report.SignedInAfterRevocation);

        Assert.Contains(report.FamilyEvents, line => line.Contains("grant_revoked", StringComparison.Ordinal));
        Assert.Contains(report.FamilyEvents, line => line.Contains("token_revoked", StringComparison.Ordinal) && line.Contains("(grant_revoked)", StringComparison.Ordinal));
        Assert.Contains(report.FamilyEvents, line => line.Contains("token_redeemed", StringComparison.Ordinal) && line.Contains("refresh_token", StringComparison.Ordinal));
        Assert.Equal(0, console.Failures);
    }

    public async Task DisposeAsync()
    {
        await cluster.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
}
