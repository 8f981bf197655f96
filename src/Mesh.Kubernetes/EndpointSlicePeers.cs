using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Mesh.Membership;

namespace Mesh.Kubernetes;

/// <summary>
/// Turns a Service's EndpointSlices into the mesh's peer set: selects the mesh port by name, aggregates
/// endpoints across slices, de-duplicates them (by Pod uid, else address; a ready copy wins), and reports
/// what it had to ignore.
/// </summary>
internal static class EndpointSlicePeers
{
    public static IReadOnlyList<DiscoveredPeer> Compute(IEnumerable<V1EndpointSlice> slices, string portName, ICollection<string> problems)
    {
        var byKey = new Dictionary<string, DiscoveredPeer>(StringComparer.Ordinal);
        foreach (var slice in slices.OrderBy(s => s.Metadata?.Name, StringComparer.Ordinal))
        {
            var sliceName = slice.Metadata?.Name ?? "(unnamed)";
            var family = slice.AddressType switch
            {
                "IPv4" => AddressFamily.InterNetwork,
                "IPv6" => AddressFamily.InterNetworkV6,
                "FQDN" => AddressFamily.Unspecified,
                _ => (AddressFamily?)null,
            };
            if (family is null)
            {
                problems.Add($"EndpointSlice '{sliceName}' ignored: addressType '{slice.AddressType}' is not IPv4, IPv6 or FQDN");
                continue;
            }

            var port = slice.Ports?.FirstOrDefault(p => p?.Name == portName);
            if (port is null)
            {
                // A slice without the mesh port (e.g. an HTTP-only port set) has no peers for the mesh.
                if (slice.Endpoints is { Count: > 0 })
                {
                    problems.Add($"EndpointSlice '{sliceName}' ignored: it has no port named '{portName}' (ports: {string.Join(", ", slice.Ports?.Select(p => p?.Name ?? "(unnamed)") ?? [])})");
                }

                continue;
            }

            if (port.Port is not { } number || number is < 1 or > 65535)
            {
                problems.Add($"EndpointSlice '{sliceName}' ignored: port '{portName}' has no valid number ({port.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"})");
                continue;
            }

            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint is null)
                {
                    problems.Add($"EndpointSlice '{sliceName}': a null endpoint was ignored");
                    continue;
                }

                var address = endpoint.Addresses?.FirstOrDefault(a => !string.IsNullOrWhiteSpace(a));
                if (address is null)
                {
                    problems.Add($"EndpointSlice '{sliceName}': endpoint {Describe(endpoint)} ignored: it has no address");
                    continue;
                }

                if (!IsValid(address, family.Value))
                {
                    problems.Add($"EndpointSlice '{sliceName}': endpoint {Describe(endpoint)} ignored: '{address}' is not a valid {slice.AddressType} address");
                    continue;
                }

                var state = EndpointConditions.Classify(endpoint.Conditions);
                if (state == EndpointState.Gone)
                {
                    continue;
                }

                var peer = new DiscoveredPeer(address, number, state == EndpointState.Ready);
                Merge(byKey, endpoint.TargetRef?.Uid is { Length: > 0 } uid ? "uid:" + uid : "address:" + peer.Address, peer);
            }
        }

        // The same address may still show up under two keys (a uid in one slice, none in another).
        var byAddress = new Dictionary<string, DiscoveredPeer>(StringComparer.Ordinal);
        foreach (var peer in byKey.Values)
        {
            Merge(byAddress, peer.Address, peer);
        }

        return [.. byAddress.Values.OrderBy(p => p.Address, StringComparer.Ordinal)];
    }

    private static void Merge(Dictionary<string, DiscoveredPeer> peers, string key, DiscoveredPeer peer)
    {
        if (!peers.TryGetValue(key, out var existing) || (!existing.IsReady && peer.IsReady))
        {
            peers[key] = peer;
        }
    }

    private static bool IsValid(string address, AddressFamily family)
        => family == AddressFamily.Unspecified
            ? Uri.CheckHostName(address) == UriHostNameType.Dns
            : IPAddress.TryParse(address, out var ip) && ip.AddressFamily == family;

    private static string Describe(V1Endpoint endpoint)
        => endpoint.TargetRef is { } target ? $"'{target.Kind}/{target.Name}'" : $"'{endpoint.Hostname ?? "(no target)"}'";
}
