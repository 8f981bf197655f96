namespace Mesh.Balancing;

/// <summary>Creates built-in policies by name.</summary>
internal static class LoadBalancingPolicyFactory
{
    /// <summary>True when <paramref name="name"/> names a built-in policy (case-insensitive).</summary>
    public static bool IsKnown(string? name)
        => name is not null && LoadBalancingPolicies.All.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates the policy called <paramref name="name"/>; <paramref name="random"/> seeds its choices.</summary>
    /// <exception cref="ArgumentException">No built-in policy has that name.</exception>
    public static ILoadBalancingPolicy Create(string name, TimeProvider time, PickRandom random)
        => name.ToUpperInvariant() switch
        {
            "ROUNDROBIN" => new RoundRobinPolicy(),
            "LEASTOUTSTANDING" => new LeastOutstandingPolicy(random),
            "PEAKEWMA" => new PeakEwmaPolicy(random, time),
            "LOADAWARE" => new LoadAwarePolicy(random, time),
            _ => throw new ArgumentException($"Unknown load-balancing policy '{name}'; use one of {string.Join(", ", LoadBalancingPolicies.All)}.", nameof(name)),
        };
}
