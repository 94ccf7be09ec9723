using Platform.ServiceDefaults;
using Xunit;

namespace Platform.Deployment.Tests;

/// <summary>docker-compose.yml agrees with the code: every service, only settings the services read, ports that meet.</summary>
public sealed class ComposeTests
{
    private static readonly string[] PlatformServices =
        [PlatformSettings.Gateway, PlatformSettings.Authorization, PlatformSettings.Token, PlatformSettings.Profile, PlatformSettings.Projection];

    private readonly ComposeFile compose = ComposeFile.Load();

    [Fact]
    public void Compose_EveryServiceAndServer_IsPresentWithAHealthCheck()
    {
        foreach (var service in PlatformServices.Append("postgres").Append("rabbitmq"))
        {
            Assert.True(compose.Services.ContainsKey(service), $"docker-compose.yml has no '{service}' service");
            Assert.True(compose.Services[service].ContainsKey("healthcheck"), $"'{service}' has no health check");
        }
    }

    [Theory]
    [InlineData(PlatformSettings.Gateway)]
    [InlineData(PlatformSettings.Authorization)]
    [InlineData(PlatformSettings.Token)]
    [InlineData(PlatformSettings.Profile)]
    [InlineData(PlatformSettings.Projection)]
    public void Compose_ServiceEnvironment_OnlySetsSettingsThatServiceReads(string service)
    {
        var read = PlatformSettings.For(service).Select(setting => setting.EnvironmentVariable).ToHashSet();
        foreach (var variable in compose.Environment(service).Keys)
        {
            Assert.True(read.Contains(variable), $"docker-compose.yml sets {variable} for {service}, which {service} does not read");
        }

        foreach (var required in PlatformSettings.For(service).Where(setting => setting.Default == "required"))
        {
            Assert.True(compose.Environment(service).ContainsKey(required.EnvironmentVariable),
                $"{service} requires {required.EnvironmentVariable}, which docker-compose.yml does not set");
        }
    }

    [Fact]
    public void Compose_GatewayUpstreams_PointAtEachServiceWhereItListens()
    {
        var gateway = compose.Environment(PlatformSettings.Gateway);
        foreach (var service in PlatformServices.Where(s => s != PlatformSettings.Gateway))
        {
            var upstream = new Uri(gateway[$"Platform__Upstreams__{char.ToUpperInvariant(service[0])}{service[1..]}"]);
            var listens = new Uri(compose.Environment(service)["ASPNETCORE_URLS"].Replace("+", "localhost", StringComparison.Ordinal));
            Assert.Equal(service, upstream.Host);
            Assert.Equal(listens.Port, upstream.Port);
        }
    }

    [Fact]
    public void Compose_Issuer_IsWhereTheGatewayIsPublished()
    {
        var gateway = compose.Environment(PlatformSettings.Gateway);
        var issuer = new Uri(gateway["Platform__Issuer"]);
        var listens = new Uri(gateway["ASPNETCORE_URLS"].Replace("+", "localhost", StringComparison.Ordinal));

        Assert.Contains($"{issuer.Port}:{listens.Port}", compose.Ports(PlatformSettings.Gateway));
        foreach (var service in PlatformServices)
        {
            Assert.Equal(issuer, new Uri(compose.Environment(service)["Platform__Issuer"]));
        }
    }

    [Fact]
    public void Compose_OnlyTheGateway_IsPublished()
    {
        foreach (var service in compose.Services.Keys.Where(s => s != PlatformSettings.Gateway))
        {
            Assert.Empty(compose.Ports(service));
        }
    }
}
