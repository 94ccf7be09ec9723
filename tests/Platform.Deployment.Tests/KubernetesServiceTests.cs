using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults;
using Xunit;

namespace Platform.Deployment.Tests;

/// <summary>Each overlay runs every service the way the code expects: image, port, probes, settings, security, shutdown.</summary>
public sealed class KubernetesServiceTests
{
    public static TheoryData<string> Overlays => new(Manifests.OverlayNames);

    public static TheoryData<string, string> OverlaysAndServices
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var overlay in Manifests.OverlayNames)
            {
                foreach (var service in PlatformServices.All)
                {
                    data.Add(overlay, service);
                }
            }

            return data;
        }
    }

    [Fact]
    public void Overlays_DevAndProd_Exist()
    {
        Assert.Equal(["dev", "prod"], Manifests.OverlayNames);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_EveryObject_ParsesIntoATypedModel(string overlay)
    {
        var manifests = Manifests.Render(overlay);

        var documents = manifests.Yaml.Split("\n---\n").Length;
        Assert.Equal(documents, manifests.Objects.Count);
        Assert.All(manifests.Objects, o => Assert.False(string.IsNullOrEmpty(o.Metadata?.Name), $"{o.Kind} without a name"));
        foreach (var o in manifests.Objects.Where(o => o.Kind != "Namespace"))
        {
            Assert.True(o.Metadata.NamespaceProperty == "platform", $"{o.Kind}/{o.Metadata.Name} is not in the platform namespace");
        }
    }

    [Theory]
    [MemberData(nameof(OverlaysAndServices))]
    public void Deployment_RunsTheServiceImage_ListeningWhereItsServiceAndProbesPoint(string overlay, string service)
    {
        var manifests = Manifests.Render(overlay);
        var deployment = manifests.Deployment(service);
        var container = MainContainer(deployment, service);

        Assert.Equal(service, PlatformServices.OfImage(container.Image));
        var listens = ListeningPort(manifests, container);
        var http = Assert.Single(container.Ports, p => p.ContainerPort == listens);

        var kubernetesService = manifests.OfType<V1Service>().Single(s => s.Metadata.Name == service);
        Assert.True(NetworkPolicies.Selects(new V1LabelSelector { MatchLabels = kubernetesService.Spec.Selector }, deployment.Spec.Template.Metadata.Labels),
            $"Service {service} does not select the pods of Deployment {service}");
        Assert.All(kubernetesService.Spec.Ports, port => Assert.Equal(listens, ResolvePort(port.TargetPort.Value, container)));
        Assert.True(NetworkPolicies.Selects(deployment.Spec.Selector, deployment.Spec.Template.Metadata.Labels));

        Assert.Equal("/health/live", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/health/ready", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(listens, ResolvePort(container.LivenessProbe.HttpGet.Port.Value, container));
        Assert.Equal(listens, ResolvePort(container.ReadinessProbe.HttpGet.Port.Value, container));
        if (container.StartupProbe is { } startup)
        {
            Assert.Equal(listens, ResolvePort(startup.HttpGet.Port.Value, container));
        }

        Assert.Equal("http", http.Name);
    }

    [Theory]
    [MemberData(nameof(OverlaysAndServices))]
    public void Deployment_Environment_SetsOnlySettingsTheServiceReads_AndEveryRequiredOne(string overlay, string service)
    {
        var manifests = Manifests.Render(overlay);
        var deployment = manifests.Deployment(service);

        foreach (var container in deployment.Spec.Template.Spec.Containers.Concat(deployment.Spec.Template.Spec.InitContainers ?? []))
        {
            Assert.Equal(service, PlatformServices.OfImage(container.Image));
            AssertSettings(manifests, container, service, $"Deployment/{service} container {container.Name}");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void GatewayUpstreams_AreTheBackendServices_OnPortsThatReachTheirContainers(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var gateway = manifests.Environment(MainContainer(manifests.Deployment(PlatformSettings.Gateway), PlatformSettings.Gateway));

        foreach (var backend in PlatformServices.All.Where(s => s != PlatformSettings.Gateway))
        {
            var key = $"Platform__Upstreams__{char.ToUpperInvariant(backend[0])}{backend[1..]}";
            var upstream = new Uri(gateway[key].Literal!);
            var kubernetesService = manifests.OfType<V1Service>().Single(s => s.Metadata.Name == upstream.Host.Split('.')[0]);
            var port = Assert.Single(kubernetesService.Spec.Ports, p => p.Port == upstream.Port);
            var container = MainContainer(manifests.Deployment(backend), backend);

            Assert.True(NetworkPolicies.Selects(new V1LabelSelector { MatchLabels = kubernetesService.Spec.Selector }, manifests.Deployment(backend).Spec.Template.Metadata.Labels),
                $"{key} names Service {kubernetesService.Metadata.Name}, which does not select {backend}'s pods");
            Assert.Equal(ListeningPort(manifests, container), ResolvePort(port.TargetPort.Value, container));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryPod_RunsNonRoot_WithoutPrivileges_AndWithResources(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        foreach (var pod in manifests.Pods)
        {
            var podSecurity = pod.Spec.SecurityContext;
            Assert.True(podSecurity?.RunAsNonRoot == true, $"{pod.Owner}: runAsNonRoot is not set");
            Assert.NotEqual(0, podSecurity!.RunAsUser ?? 0);
            Assert.Equal("RuntimeDefault", podSecurity.SeccompProfile?.Type);
            Assert.False(pod.Spec.AutomountServiceAccountToken ?? true, $"{pod.Owner} mounts a service account token it does not use");

            foreach (var container in pod.AllContainers)
            {
                var where = $"{pod.Owner} container {container.Name}";
                Assert.False(container.SecurityContext?.AllowPrivilegeEscalation ?? true, $"{where}: allowPrivilegeEscalation is not false");
                Assert.Contains("ALL", container.SecurityContext?.Capabilities?.Drop ?? []);
                Assert.Null(container.SecurityContext?.Capabilities?.Add);
                Assert.NotEqual(true, container.SecurityContext?.Privileged);
                foreach (var resource in new[] { "cpu", "memory" })
                {
                    Assert.True(container.Resources?.Requests?.ContainsKey(resource) == true, $"{where}: no {resource} request");
                    Assert.True(container.Resources?.Limits?.ContainsKey(resource) == true, $"{where}: no {resource} limit");
                }

                if (PlatformServices.OfImage(container.Image) is not null)
                {
                    Assert.True(container.SecurityContext?.ReadOnlyRootFilesystem == true, $"{where}: the root filesystem is writable");
                    var tmp = Assert.Single(container.VolumeMounts ?? [], m => m.MountPath == "/tmp");
                    Assert.NotNull(Assert.Single(pod.Spec.Volumes, v => v.Name == tmp.Name).EmptyDir);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(OverlaysAndServices))]
    public void Deployment_Shutdown_DrainsBeforeTheHostStops_AndWithinTheGracePeriod(string overlay, string service)
    {
        var deployment = Manifests.Render(overlay).Deployment(service);
        var container = MainContainer(deployment, service);

        var preStop = container.Lifecycle?.PreStop?.Sleep?.Seconds;
        Assert.True(preStop > 0, $"{service} has no preStop sleep, so it would get traffic after SIGTERM");
        Assert.True(container.Lifecycle!.PreStop!.Exec is null, $"{service}'s preStop runs a command, and its image has no shell");
        var needed = preStop!.Value + HostShutdownTimeout().TotalSeconds;
        Assert.True(deployment.Spec.Template.Spec.TerminationGracePeriodSeconds > needed,
            $"{service}: terminationGracePeriodSeconds must exceed preStop ({preStop} s) + the host's shutdown timeout ({HostShutdownTimeout().TotalSeconds} s)");
        Assert.Equal(0, Rollout(deployment).MaxUnavailable?.Value is { } unavailable ? int.Parse(unavailable, System.Globalization.CultureInfo.InvariantCulture) : 0);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void AutoscalersAndDisruptionBudgets_TargetDeploymentsThatExist(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var deployments = manifests.OfType<V1Deployment>().ToList();
        var autoscalers = manifests.OfType<V2HorizontalPodAutoscaler>().ToList();
        var budgets = manifests.OfType<V1PodDisruptionBudget>().ToList();

        foreach (var service in PlatformServices.All)
        {
            var autoscaler = Assert.Single(autoscalers, a => a.Spec.ScaleTargetRef.Name == service);
            Assert.Equal("Deployment", autoscaler.Spec.ScaleTargetRef.Kind);
            Assert.True(autoscaler.Spec.MaxReplicas > (autoscaler.Spec.MinReplicas ?? 1));
            Assert.Null(manifests.Deployment(service).Spec.Replicas);
            Assert.Single(budgets, b => NetworkPolicies.Selects(b.Spec.Selector, manifests.Deployment(service).Spec.Template.Metadata.Labels));
        }

        Assert.All(autoscalers, a => Assert.Contains(deployments, d => d.Metadata.Name == a.Spec.ScaleTargetRef.Name));
        Assert.All(budgets, b => Assert.Single(deployments, d => NetworkPolicies.Selects(b.Spec.Selector, d.Spec.Template.Metadata.Labels)));
        if (overlay == "prod")
        {
            // With one replica, a budget of maxUnavailable 1 lets a node drain take the service down.
            Assert.All(autoscalers, a => Assert.True(a.Spec.MinReplicas >= 2, $"{a.Metadata.Name} may run a single replica in production"));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Ingress_RoutesTheIssuersHostToTheGateway(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var issuer = new Uri(manifests.Environment(MainContainer(manifests.Deployment(PlatformSettings.Gateway), PlatformSettings.Gateway))["Platform__Issuer"].Literal!);
        var ingress = Assert.Single(manifests.OfType<V1Ingress>());
        var rule = Assert.Single(ingress.Spec.Rules);
        var path = Assert.Single(rule.Http.Paths);

        Assert.Equal(issuer.Host, rule.Host);
        Assert.Equal("/", path.Path);
        Assert.Equal(PlatformSettings.Gateway, path.Backend.Service.Name);
        var gateway = manifests.OfType<V1Service>().Single(s => s.Metadata.Name == PlatformSettings.Gateway);
        Assert.Contains(gateway.Spec.Ports, p => p.Name == path.Backend.Service.Port.Name || p.Port == path.Backend.Service.Port.Number);
        foreach (var service in PlatformServices.All)
        {
            Assert.Equal(issuer, new Uri(manifests.Environment(MainContainer(manifests.Deployment(service), service))["Platform__Issuer"].Literal!));
        }

        if (!issuer.IsLoopback)
        {
            Assert.Equal(Uri.UriSchemeHttps, issuer.Scheme);
            Assert.Contains(ingress.Spec.Tls ?? [], tls => tls.Hosts.Contains(issuer.Host) && !string.IsNullOrEmpty(tls.SecretName));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void BehindTheTlsIngress_EveryServiceBelievesForwardedHttpsFromKnownNetworksOnly_NeverFromEveryone(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        foreach (var service in PlatformServices.All)
        {
            var environment = manifests.Environment(MainContainer(manifests.Deployment(service), service));
            var issuer = new Uri(environment["Platform__Issuer"].Literal!);
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?>
                {
                    [ForwardedHeaderTrust.KnownNetworksKey] = environment.GetValueOrDefault("Platform__ForwardedHeaders__KnownNetworks")?.Literal,
                })
                .Build();
            var networks = ForwardedHeaderTrust.ReadKnownNetworks(configuration);

            // An https issuer behind an ingress that terminates TLS: without a trusted network OpenIddict refuses every request.
            Assert.True(issuer.Scheme != Uri.UriSchemeHttps || networks.Count > 0, $"{overlay}: {service} trusts no proxy's X-Forwarded-Proto, yet the issuer is https behind the ingress");
            Assert.DoesNotContain(networks, network => network.PrefixLength == 0);
        }
    }

    [Fact]
    public void Base_Images_AreTheOnesDockerComposeBuilds()
    {
        var compose = ComposeFile.Load();
        foreach (var service in PlatformServices.All)
        {
            var image = MainContainer(Manifests.Render("base").Deployment(service), service).Image;
            Assert.Equal(PlatformServices.Image(service), image);
            Assert.Equal(image, compose.Services[service]["image"]);
        }
    }

    internal static void AssertSettings(Manifests manifests, V1Container container, string service, string where)
    {
        var environment = manifests.Environment(container);
        var read = PlatformServices.EnvironmentVariables(service);
        foreach (var variable in environment.Keys)
        {
            Assert.True(read.Contains(variable), $"{where} sets {variable}, which {service} does not read");
        }

        foreach (var required in PlatformServices.RequiredVariables(service))
        {
            Assert.True(environment.ContainsKey(required), $"{where}: {service} requires {required}, which is not set");
        }
    }

    internal static V1Container MainContainer(V1Deployment deployment, string service) =>
        Assert.Single(deployment.Spec.Template.Spec.Containers, c => c.Name == service);

    private static int ListeningPort(Manifests manifests, V1Container container)
    {
        var urls = manifests.Environment(container)["ASPNETCORE_URLS"].Literal!;
        return new Uri(urls.Split(';')[0].Replace("+", "localhost", StringComparison.Ordinal).Replace("*", "localhost", StringComparison.Ordinal)).Port;
    }

    private static int ResolvePort(string port, V1Container container) =>
        int.TryParse(port, out var number) ? number : Assert.Single(container.Ports, p => p.Name == port).ContainerPort;

    private static V1RollingUpdateDeployment Rollout(V1Deployment deployment) =>
        deployment.Spec.Strategy?.RollingUpdate ?? new V1RollingUpdateDeployment();

    /// <summary>The host's shutdown timeout as the services set it (AddServiceDefaults).</summary>
    private static TimeSpan HostShutdownTimeout()
    {
        var builder = WebApplication.CreateBuilder();
        builder.AddServiceDefaults();
        using var app = builder.Build();
        return app.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
    }
}
