namespace Mesh.Balancing;

/// <summary>Names of the built-in balancing policies, for <see cref="MeshOptions.LoadBalancingPolicy"/>.</summary>
public static class LoadBalancingPolicies
{
    /// <summary>Each call goes to the next peer in turn.</summary>
    public const string RoundRobin = "RoundRobin";
}
