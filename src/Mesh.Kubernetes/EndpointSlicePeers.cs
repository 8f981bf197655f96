using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Mesh.Membership;

namespace Mesh.Kubernetes;

/// <summary>
/// Turns a Service's EndpointSlices into the mesh's peer set: selects the mesh port by name, aggregates
/// endpoints across slices, de-duplicates them (by Pod uid, else address), and reports what it had to ignore.
/// The result depends only on the slices' content, never on their names or order: a dual-stack Pod (one
/// address in an IPv4 slice, one in an IPv6 slice, slice names ending in random characters) is reached at its
/// address of the preferred family, and is ready when any copy of it is.
/// </summary>
internal static class EndpointSlicePeers
{
    public static IReadOnlyList<DiscoveredPeer> Compute(IEnumerable<V1EndpointSlice> slices, string portName, ICollection<string> problems)
        => Compute(slices, portName, AddressFamily.InterNetwork, problems);

    public static IReadOnlyList<DiscoveredPeer> Compute(IEnumerable<V1EndpointSlice> slices, string portName, AddressFamily preferred, ICollection<string> problems)
    {
        var byKey = new Dictionary<string, Candidate>(StringComparer.Ordinal);
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

                var candidate = new Candidate(address, number, state == EndpointState.Ready, Rank(family.Value, preferred));
                Merge(byKey, endpoint.TargetRef?.Uid is { Length: > 0 } uid ? "uid:" + uid : "address:" + address, candidate);
            }
        }

        // The same address may still show up under two keys (a uid in one slice, none in another).
        var byAddress = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        foreach (var candidate in byKey.Values)
        {
            Merge(byAddress, candidate.Address + "|" + candidate.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), candidate);
        }

        return [.. byAddress.Values.Select(c => new DiscoveredPeer(c.Address, c.Port, c.IsReady)).OrderBy(p => p.Address, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Two copies of one endpoint: the address of the better-ranked family wins (then the lower address, so the
    /// choice never depends on slice order), and the endpoint is ready when either copy says so.
    /// </summary>
    private static void Merge(Dictionary<string, Candidate> candidates, string key, Candidate candidate)
    {
        if (!candidates.TryGetValue(key, out var existing))
        {
            candidates[key] = candidate;
            return;
        }

        var better = candidate.Rank < existing.Rank
            || (candidate.Rank == existing.Rank && string.CompareOrdinal(candidate.Address, existing.Address) < 0);
        var chosen = better ? candidate : existing;
        candidates[key] = chosen with { IsReady = existing.IsReady || candidate.IsReady };
    }

    /// <summary>0 for the preferred family, 1 for the other IP family, 2 for host names.</summary>
    private static int Rank(AddressFamily family, AddressFamily preferred)
        => family == preferred ? 0 : family == AddressFamily.Unspecified ? 2 : 1;

    private static bool IsValid(string address, AddressFamily family)
        => family == AddressFamily.Unspecified
            ? Uri.CheckHostName(address) == UriHostNameType.Dns
            : IPAddress.TryParse(address, out var ip) && ip.AddressFamily == family;

    private readonly record struct Candidate(string Address, int Port, bool IsReady, int Rank);

    private static string Describe(V1Endpoint endpoint)
        => endpoint.TargetRef is { } target ? $"'{target.Kind}/{target.Name}'" : $"'{endpoint.Hostname ?? "(no target)"}'";
}
