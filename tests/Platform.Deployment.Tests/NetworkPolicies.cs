using k8s.Models;

namespace Platform.Deployment.Tests;

/// <summary>
/// What the NetworkPolicies of one namespace allow, evaluated the way the API defines it: a pod selected by a
/// policy of a direction is isolated in that direction, and then only what some selecting policy allows passes.
/// </summary>
public sealed class NetworkPolicies(IReadOnlyList<V1NetworkPolicy> policies, IDictionary<string, string> namespaceLabels)
{
    public IEnumerable<V1NetworkPolicy> Selecting(IDictionary<string, string> pod, string direction) =>
        policies.Where(p => Selects(p.Spec.PodSelector, pod) && Types(p).Contains(direction));

    /// <summary>Whether a pod of this namespace may open a connection to another pod of this namespace on a port.</summary>
    public bool Allows(IDictionary<string, string> source, IDictionary<string, string> destination, int port) =>
        AllowsEgress(source, peer => PeerMatches(peer, destination), port)
        && AllowsIngress(destination, source, port);

    /// <summary>Whether a pod of this namespace may open a connection to an address outside the cluster.</summary>
    public bool AllowsEgressTo(IDictionary<string, string> source, string address, int port) =>
        AllowsEgress(source, peer => peer.IpBlock is { } block && InBlock(block, address), port);

    private bool AllowsEgress(IDictionary<string, string> source, Func<V1NetworkPolicyPeer, bool> matches, int port)
    {
        var selecting = Selecting(source, "Egress").ToList();
        return selecting.Count == 0 || selecting.SelectMany(p => p.Spec.Egress ?? []).Any(rule =>
            PortMatches(rule.Ports, port) && (rule.To is null || rule.To.Count == 0 || rule.To.Any(matches)));
    }

    /// <summary>Whether a pod's ingress policies admit a pod of this namespace on a port, whatever that pod's egress allows.</summary>
    public bool AllowsIngress(IDictionary<string, string> destination, IDictionary<string, string> source, int port)
    {
        var selecting = Selecting(destination, "Ingress").ToList();
        return selecting.Count == 0 || selecting.SelectMany(p => p.Spec.Ingress ?? []).Any(rule =>
            PortMatches(rule.Ports, port) && (rule.FromProperty is null || rule.FromProperty.Count == 0 || rule.FromProperty.Any(peer => PeerMatches(peer, source))));
    }

    private bool PeerMatches(V1NetworkPolicyPeer peer, IDictionary<string, string> pod) =>
        peer.IpBlock is null
        && (peer.NamespaceSelector is null ? peer.PodSelector is not null : Selects(peer.NamespaceSelector, namespaceLabels))
        && (peer.PodSelector is null || Selects(peer.PodSelector, pod));

    private static IList<string> Types(V1NetworkPolicy policy) =>
        policy.Spec.PolicyTypes is { Count: > 0 } types ? types
        : policy.Spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];

    private static bool PortMatches(IList<V1NetworkPolicyPort>? ports, int port) =>
        ports is null || ports.Count == 0 || ports.Any(p => p.Port is null || p.Port.Value == port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static bool InBlock(V1IPBlock block, string address)
    {
        var parts = block.Cidr.Split('/');
        var network = System.Net.IPAddress.Parse(parts[0]).GetAddressBytes();
        var candidate = System.Net.IPAddress.Parse(address).GetAddressBytes();
        var bits = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < bits; i++)
        {
            var mask = 0x80 >> (i % 8);
            if ((network[i / 8] & mask) != (candidate[i / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }

    public static bool Selects(V1LabelSelector selector, IDictionary<string, string> labels) =>
        (selector.MatchLabels ?? new Dictionary<string, string>()).All(l => labels.TryGetValue(l.Key, out var v) && v == l.Value)
        && (selector.MatchExpressions ?? []).All(e => e.OperatorProperty switch
        {
            "In" => labels.TryGetValue(e.Key, out var v) && e.Values.Contains(v),
            "NotIn" => !labels.TryGetValue(e.Key, out var v) || !e.Values.Contains(v),
            "Exists" => labels.ContainsKey(e.Key),
            "DoesNotExist" => !labels.ContainsKey(e.Key),
            _ => throw new InvalidOperationException($"unknown selector operator {e.OperatorProperty}"),
        });
}
