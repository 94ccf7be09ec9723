using Platform.ServiceDefaults;
using Platform.Testing;
using Xunit;
using YamlDotNet.Serialization;

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
    public void Compose_OnlyTheGatewayAndTheLocalTraceViewer_ArePublished()
    {
        var viewer = TraceViewer();
        foreach (var service in compose.Services.Keys.Where(s => s != PlatformSettings.Gateway))
        {
            if (service == viewer)
            {
                Assert.All(compose.Ports(service), port => Assert.StartsWith("127.0.0.1:", port, StringComparison.Ordinal));
            }
            else
            {
                Assert.Empty(compose.Ports(service));
            }
        }
    }

    [Theory]
    [InlineData(PlatformSettings.Gateway)]
    [InlineData(PlatformSettings.Authorization)]
    [InlineData(PlatformSettings.Token)]
    [InlineData(PlatformSettings.Profile)]
    [InlineData(PlatformSettings.Projection)]
    public void Compose_Service_BuildsItsOwnDockerfile_AndRunsReadOnly(string service)
    {
        var definition = compose.Services[service];
        var build = (Dictionary<object, object>)definition["build"];

        Assert.Equal(".", build["context"]);
        Assert.Equal(Dockerfile.PathOf(service), build["dockerfile"]);
        Assert.Equal(Tests.PlatformServices.Image(service), definition["image"]);
        Assert.Equal("true", definition["read_only"].ToString());
        Assert.Contains("/tmp", ((List<object>)definition["tmpfs"]).Select(t => t.ToString()));
        Assert.Contains("ALL", ((List<object>)definition["cap_drop"]).Select(t => t.ToString()));
    }

    [Theory]
    [InlineData(PlatformSettings.Gateway)]
    [InlineData(PlatformSettings.Authorization)]
    [InlineData(PlatformSettings.Token)]
    [InlineData(PlatformSettings.Profile)]
    [InlineData(PlatformSettings.Projection)]
    public void Compose_HealthCheck_RunsTheProbeTheImageCarries_WithoutAShell(string service)
    {
        var test = ((List<object>)((Dictionary<object, object>)compose.Services[service]["healthcheck"])["test"]).Select(t => t.ToString()!).ToList();
        var runtime = Dockerfile.Load(service).Runtime;
        var probe = $"{Tests.PlatformServices.AssemblyNameOf("infra/docker/health-probe/Platform.HealthProbe.csproj")}.dll";

        Assert.Equal(["CMD", "dotnet"], test[..2]);
        var copied = runtime.All("COPY").Select(c => c.Split(' ')[^1]);
        Assert.Contains(copied, directory => test[2] == directory + probe);

        var url = new Uri(test[3]);
        var listens = new Uri(compose.Environment(service)["ASPNETCORE_URLS"].Replace("+", "localhost", StringComparison.Ordinal));
        Assert.Equal(listens.Port, url.Port);
        Assert.True(url.IsLoopback);
        Assert.Equal("/health/ready", url.AbsolutePath);
    }

    [Theory]
    [InlineData(PlatformSettings.Gateway)]
    [InlineData(PlatformSettings.Authorization)]
    [InlineData(PlatformSettings.Token)]
    [InlineData(PlatformSettings.Profile)]
    [InlineData(PlatformSettings.Projection)]
    public void Compose_Telemetry_GoesToTheCollector_WhichForwardsTracesAndMetricsToTheViewer(string service)
    {
        var endpoint = new Uri(compose.Environment(service)["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var collector = CollectorConfiguration(endpoint.Host);

        var receivers = (Dictionary<object, object>)collector["receivers"];
        var protocols = (Dictionary<object, object>)((Dictionary<object, object>)receivers["otlp"])["protocols"];
        // The .NET exporter speaks gRPC unless OTEL_EXPORTER_OTLP_PROTOCOL says otherwise.
        var grpc = (Dictionary<object, object>)protocols["grpc"];
        Assert.EndsWith($":{endpoint.Port}", grpc["endpoint"].ToString(), StringComparison.Ordinal);
        Assert.Contains(endpoint.Host, compose.Services.Keys);

        var exporters = (Dictionary<object, object>)collector["exporters"];
        var pipelines = (Dictionary<object, object>)((Dictionary<object, object>)collector["service"])["pipelines"];
        foreach (var signal in new[] { "traces", "metrics" })
        {
            var pipeline = (Dictionary<object, object>)pipelines[signal];
            Assert.Contains("otlp", ((List<object>)pipeline["receivers"]).Select(r => r.ToString()));
            var exporter = Assert.Single(((List<object>)pipeline["exporters"]).Select(e => e.ToString()!));
            var target = ((Dictionary<object, object>)exporters[exporter])["endpoint"].ToString()!;
            Assert.Equal(TraceViewer(), target.Split(':')[0]);
        }
    }

    /// <summary>The service the collector exports to.</summary>
    private string TraceViewer() => compose.Services.Keys.Single(s => s.Contains("dashboard", StringComparison.Ordinal) || s.Contains("jaeger", StringComparison.Ordinal));

    private Dictionary<object, object> CollectorConfiguration(string service)
    {
        var mount = ((List<object>)compose.Services[service]["volumes"]).Select(v => v.ToString()!).Single(v => v.Contains(".yaml:", StringComparison.Ordinal));
        var file = Path.Combine(RepositoryRoot.Path, mount.Split(':')[0]);
        var inside = mount.Split(':')[1];
        Assert.Contains(((List<object>)compose.Services[service]["command"]).Select(c => c.ToString()), c => c == $"--config={inside}");
        return new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(File.ReadAllText(file));
    }
}
