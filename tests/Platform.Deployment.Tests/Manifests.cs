using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Platform.Testing;

namespace Platform.Deployment.Tests;

/// <summary>One rendered kustomization of infra/k8s, every object parsed into its typed Kubernetes model.</summary>
public sealed class Manifests
{
    public const string Overlays = "infra/k8s/overlays";

    private static readonly ConcurrentDictionary<string, Lazy<Manifests>> Rendered = new();

    private Manifests(string name, string yaml)
    {
        Name = name;
        Yaml = yaml;
        Objects = KubernetesYaml.LoadAllFromString(yaml).Cast<IKubernetesObject<V1ObjectMeta>>().ToList();
    }

    public string Name { get; }
    public string Yaml { get; }
    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    public static IEnumerable<string> OverlayNames =>
        Directory.GetDirectories(Path.Combine(RepositoryRoot.Path, Overlays)).Select(Path.GetFileName).Order()!;

    /// <summary><c>base</c> or an overlay's name.</summary>
    public static Manifests Render(string name) =>
        Rendered.GetOrAdd(name, key => new Lazy<Manifests>(() =>
        {
            var directory = key == "base" ? Path.Combine(RepositoryRoot.Path, "infra/k8s/base") : Path.Combine(RepositoryRoot.Path, Overlays, key);
            return new Manifests(key, Kustomize.Build(directory));
        })).Value;

    public IEnumerable<T> OfType<T>() => Objects.OfType<T>();

    public V1Deployment Deployment(string name) =>
        OfType<V1Deployment>().SingleOrDefault(d => d.Metadata.Name == name)
        ?? throw new InvalidOperationException($"{Name} has no Deployment '{name}'");

    public V1ConfigMap ConfigMap(string name) =>
        OfType<V1ConfigMap>().SingleOrDefault(c => c.Metadata.Name == name)
        ?? throw new InvalidOperationException($"{Name} has no ConfigMap '{name}' (referenced by a pod)");

    /// <summary>Every pod the manifests would run: Deployments, StatefulSets, Jobs.</summary>
    public IEnumerable<PodTemplate> Pods =>
        OfType<V1Deployment>().Select(d => new PodTemplate($"Deployment/{d.Metadata.Name}", d.Metadata.NamespaceProperty, d.Spec.Template))
            .Concat(OfType<V1StatefulSet>().Select(s => new PodTemplate($"StatefulSet/{s.Metadata.Name}", s.Metadata.NamespaceProperty, s.Spec.Template)))
            .Concat(OfType<V1Job>().Select(j => new PodTemplate($"Job/{j.Metadata.Name}", j.Metadata.NamespaceProperty, j.Spec.Template)));

    /// <summary>The environment a container gets: its own <c>env</c> and the keys of the ConfigMaps it takes whole.</summary>
    public IReadOnlyDictionary<string, EnvironmentValue> Environment(V1Container container)
    {
        var environment = new Dictionary<string, EnvironmentValue>();
        foreach (var source in container.EnvFrom ?? [])
        {
            if (source.SecretRef is not null)
            {
                throw new InvalidOperationException($"{container.Name} takes a whole secret ({source.SecretRef.Name}); name each variable with secretKeyRef so its name can be checked");
            }

            foreach (var (key, value) in ConfigMap(source.ConfigMapRef.Name).Data ?? new Dictionary<string, string>())
            {
                environment[(source.Prefix ?? string.Empty) + key] = new EnvironmentValue(value, null);
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            environment[variable.Name] = new EnvironmentValue(variable.Value, variable.ValueFrom);
        }

        return environment;
    }
}

public sealed record PodTemplate(string Owner, string Namespace, V1PodTemplateSpec Template)
{
    public IDictionary<string, string> Labels => Template.Metadata.Labels;
    public V1PodSpec Spec => Template.Spec;
    public IEnumerable<V1Container> AllContainers => (Spec.InitContainers ?? []).Concat(Spec.Containers);
}

/// <param name="Literal">The value written in the manifest, if any.</param>
/// <param name="From">Where it comes from otherwise (a secret, a field).</param>
public sealed record EnvironmentValue(string? Literal, V1EnvVarSource? From);
