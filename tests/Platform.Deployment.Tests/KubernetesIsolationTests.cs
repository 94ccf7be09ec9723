using System.Text.RegularExpressions;
using k8s.Models;
using Platform.ServiceDefaults;
using Platform.Testing;
using Xunit;

namespace Platform.Deployment.Tests;

/// <summary>What can talk to what, where the secrets are, and the schema Job that runs before the services.</summary>
public sealed partial class KubernetesIsolationTests
{
    // The services' own command names: the manifests run what the images understand.
    private const string ApplySchema = SchemaCommand.Apply;
    private const string WaitForSchema = SchemaCommand.Wait;
    private const string PostgresVariable = "ConnectionStrings__Postgres";
    private const string RabbitMqVariable = "ConnectionStrings__RabbitMq";

    public static TheoryData<string> Overlays => new(Manifests.OverlayNames);

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EveryPod_IsIsolatedBothWays_ByANetworkPolicy(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var policies = Policies(manifests);
        foreach (var pod in manifests.Pods)
        {
            Assert.True(policies.Selecting(pod.Labels, "Ingress").Any(), $"no NetworkPolicy isolates {pod.Owner}'s ingress");
            Assert.True(policies.Selecting(pod.Labels, "Egress").Any(), $"no NetworkPolicy isolates {pod.Owner}'s egress");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void OnlyTheGateway_TakesTrafficFromOutsideTheNamespace(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var gateway = manifests.Deployment(PlatformSettings.Gateway).Spec.Template.Metadata.Labels;
        foreach (var policy in manifests.OfType<V1NetworkPolicy>())
        {
            foreach (var rule in policy.Spec.Ingress ?? [])
            {
                var fromOutside = rule.FromProperty is null || rule.FromProperty.Count == 0
                    || rule.FromProperty.Any(peer => peer.NamespaceSelector is not null || peer.IpBlock is not null);
                if (fromOutside)
                {
                    foreach (var pod in manifests.Pods.Where(p => NetworkPolicies.Selects(policy.Spec.PodSelector, p.Labels)))
                    {
                        Assert.True(pod.Labels.SequenceEqual(gateway) && pod.Owner == $"Deployment/{PlatformSettings.Gateway}",
                            $"NetworkPolicy {policy.Metadata.Name} lets traffic from outside the namespace reach {pod.Owner}");
                    }
                }
            }
        }

        var ingressController = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "ingress-nginx" };
        Assert.Contains(manifests.OfType<V1NetworkPolicy>(), p => NetworkPolicies.Selects(p.Spec.PodSelector, gateway)
            && (p.Spec.Ingress ?? []).Any(rule => rule.FromProperty.Any(peer => peer.NamespaceSelector is { } selector && NetworkPolicies.Selects(selector, ingressController))));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void TheGateway_ReachesEachBackend_AndBackendsReachNoOtherBackend(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var policies = Policies(manifests);
        var gateway = Pod(manifests, PlatformSettings.Gateway);
        var backends = PlatformServices.All.Where(s => s != PlatformSettings.Gateway).ToList();

        foreach (var backend in backends)
        {
            Assert.True(policies.Allows(gateway, Pod(manifests, backend), ContainerPort(manifests, backend)), $"the gateway cannot reach {backend}");
            Assert.False(policies.Allows(Pod(manifests, backend), gateway, ContainerPort(manifests, PlatformSettings.Gateway)), $"{backend} can reach the gateway");
            foreach (var other in backends.Where(o => o != backend))
            {
                Assert.False(policies.Allows(Pod(manifests, backend), Pod(manifests, other), ContainerPort(manifests, other)), $"{backend} can reach {other}");
                Assert.False(policies.AllowsIngress(Pod(manifests, other), Pod(manifests, backend), ContainerPort(manifests, other)), $"{other} admits {backend}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void EachPod_ReachesPostgresAndRabbitMq_ExactlyWhenItUsesThem(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var policies = Policies(manifests);
        var servers = manifests.OfType<V1StatefulSet>().ToDictionary(s => s.Metadata.Name, s => s.Spec.Template.Metadata.Labels);
        foreach (var pod in manifests.Pods.Where(p => p.AllContainers.Any(c => PlatformServices.OfImage(c.Image) is not null)))
        {
            var variables = pod.AllContainers.SelectMany(c => manifests.Environment(c).Keys).ToHashSet();
            var usesPostgres = variables.Contains(PostgresVariable);
            // The schema Job applies the database schema only; the broker is the running services' business.
            var usesRabbitMq = variables.Contains(RabbitMqVariable) && !pod.Owner.StartsWith("Job/", StringComparison.Ordinal);

            if (servers.Count > 0)
            {
                Assert.Equal(usesPostgres, policies.Allows(pod.Labels, servers["postgres"], 5432));
                Assert.Equal(usesRabbitMq, policies.Allows(pod.Labels, servers["rabbitmq"], 5672));
            }
            else
            {
                Assert.Equal(usesPostgres, EgressRulesTo(manifests, pod, 5432).Any());
                Assert.Equal(usesRabbitMq, EgressRulesTo(manifests, pod, 5671).Concat(EgressRulesTo(manifests, pod, 5672)).Any());
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void NoSecret_IsWrittenInTheManifests(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        Assert.Empty(manifests.OfType<V1Secret>());

        foreach (var pod in manifests.Pods)
        {
            foreach (var container in pod.AllContainers)
            {
                foreach (var (name, value) in manifests.Environment(container))
                {
                    var sensitive = name.StartsWith("ConnectionStrings__", StringComparison.Ordinal) || SensitiveName().IsMatch(name.Split("__")[^1]);
                    Assert.False(sensitive && value.Literal is not null, $"{pod.Owner} container {container.Name} writes {name} in the manifest instead of taking it from a secret");
                    Assert.False(value.Literal is not null && CredentialInValue().IsMatch(value.Literal), $"{pod.Owner} container {container.Name}: {name} carries a credential");
                }
            }
        }

        Assert.DoesNotMatch(CredentialInValue(), manifests.Yaml);
    }

    [Fact]
    public void NoSecretValue_IsCommittedUnderInfraK8s()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot.Path, "infra/k8s"), "*", SearchOption.AllDirectories))
        {
            var text = File.ReadAllText(file);
            Assert.False(CredentialInValue().IsMatch(text), $"{file} contains a credential");
            Assert.False(Regex.IsMatch(text, @"^kind:\s*Secret\s*$", RegexOptions.Multiline), $"{file} defines a Secret; secrets are created by hand (infra/k8s/README.md)");
            Assert.DoesNotContain("secretGenerator", text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void SchemaJob_AppliesEachDatabaseServicesSchema_AndSeeds_BeforeThoseServicesStart(string overlay)
    {
        var manifests = Manifests.Render(overlay);
        var job = Assert.Single(manifests.OfType<V1Job>());
        var steps = (job.Spec.Template.Spec.InitContainers ?? []).Concat(job.Spec.Template.Spec.Containers).ToList();
        Assert.Equal("Never", job.Spec.Template.Spec.RestartPolicy);

        var databaseServices = PlatformServices.All.Where(s => PlatformServices.Reads(s, EventStore.PostgresKey)).ToList();
        Assert.Equal(databaseServices.Order(), steps.Select(c => PlatformServices.OfImage(c.Image)!).Order());
        foreach (var step in steps)
        {
            var service = PlatformServices.OfImage(step.Image)!;
            Assert.Equal([ApplySchema], step.Args);
            KubernetesServiceTests.AssertSettings(manifests, step, service, $"Job/{job.Metadata.Name} step {step.Name}");

            var environment = manifests.Environment(step);
            if (PlatformServices.Reads(service, "Platform:Seed:File"))
            {
                var seedFile = environment["Platform__Seed__File"].Literal!;
                var mount = Assert.Single(step.VolumeMounts, m => seedFile.StartsWith(m.MountPath + "/", StringComparison.Ordinal));
                var volume = Assert.Single(job.Spec.Template.Spec.Volumes, v => v.Name == mount.Name);
                Assert.NotNull(volume.Secret);
                Assert.Contains(volume.Secret.Items, item => mount.MountPath + "/" + item.Path == seedFile);
            }
        }

        // The writers' event store first, the projection's read model last.
        Assert.Equal(PlatformSettings.Projection, PlatformServices.OfImage(steps[^1].Image));

        foreach (var service in databaseServices)
        {
            var deployment = manifests.Deployment(service);
            var main = KubernetesServiceTests.MainContainer(deployment, service);
            var wait = Assert.Single(deployment.Spec.Template.Spec.InitContainers ?? [], c => c.Args?.SequenceEqual([WaitForSchema]) == true);
            Assert.Equal(main.Image, wait.Image);
            Assert.Contains(PostgresVariable, manifests.Environment(wait).Keys);
        }

        Assert.Null(manifests.Deployment(PlatformSettings.Gateway).Spec.Template.Spec.InitContainers);
    }

    private static NetworkPolicies Policies(Manifests manifests)
    {
        var ns = manifests.OfType<V1Namespace>().Single();
        var labels = new Dictionary<string, string>(ns.Metadata.Labels ?? new Dictionary<string, string>())
        {
            ["kubernetes.io/metadata.name"] = ns.Metadata.Name,
        };
        return new NetworkPolicies(manifests.OfType<V1NetworkPolicy>().ToList(), labels);
    }

    private static IDictionary<string, string> Pod(Manifests manifests, string service) =>
        manifests.Deployment(service).Spec.Template.Metadata.Labels;

    private static int ContainerPort(Manifests manifests, string service) =>
        KubernetesServiceTests.MainContainer(manifests.Deployment(service), service).Ports.Single(p => p.Name == "http").ContainerPort;

    private static IEnumerable<V1NetworkPolicyEgressRule> EgressRulesTo(Manifests manifests, PodTemplate pod, int port) =>
        Policies(manifests).Selecting(pod.Labels, "Egress")
            .SelectMany(p => p.Spec.Egress ?? [])
            .Where(rule => rule.Ports?.Any(p => p.Port?.Value == port.ToString(System.Globalization.CultureInfo.InvariantCulture)) == true
                && rule.To?.Any(peer => peer.IpBlock is not null) == true);

    [GeneratedRegex("(?i)(password|secret|apikey|api_key|privatekey|private_key)")]
    private static partial Regex SensitiveName();

    // A password in a connection string, or user:password@ in a URI; a shell variable or a placeholder
    // (`Password=...`, `user:password@`) in the README's instructions is not one.
    [GeneratedRegex(@"(?i)(password\s*=\s*(?!\$|\.\.\.)[^;$\s""'{}]+|[a-z][a-z0-9+.-]*://[^/\s:@""']+:(?!\$|password@)[^/\s@""']+@)")]
    private static partial Regex CredentialInValue();
}
