namespace Mesh.Balancing;

/// <summary>
/// Names of the built-in balancing policies, for <see cref="MeshOptions.LoadBalancingPolicy"/> and
/// <see cref="MeshOptions.ServiceLoadBalancingPolicies"/>.
/// </summary>
public static class LoadBalancingPolicies
{
    /// <summary>Each call goes to the next peer in turn.</summary>
    public const string RoundRobin = "RoundRobin";

    /// <summary>Each call goes to the peer with the fewest of this caller's calls outstanding.</summary>
    public const string LeastOutstanding = "LeastOutstanding";

    /// <summary>
    /// Power of two choices over latency × (outstanding + 1), latency a peak EWMA of what the caller saw
    /// (Linkerd's and Finagle's design); uses no load reports.
    /// </summary>
    public const string PeakEwma = "PeakEwma";

    /// <summary>
    /// The default: power of two choices over a cost that adds the load the peer reports (discounted by
    /// the report's age) to the caller's own outstanding calls and latency, with slow start for new peers
    /// and a penalty for "overloaded" refusals.
    /// </summary>
    public const string LoadAware = "LoadAware";

    /// <summary>The policy used when none is configured.</summary>
    public const string Default = LoadAware;

    /// <summary>Every built-in policy name.</summary>
    public static IReadOnlyList<string> All { get; } = [RoundRobin, LeastOutstanding, PeakEwma, LoadAware];
}
