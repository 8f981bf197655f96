using Mesh.Transport;

namespace Mesh.Balancing;

/// <summary>Each call goes to the next candidate in turn.</summary>
internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private uint _next;

    public string Name => LoadBalancingPolicies.RoundRobin;

    public ClientLink Pick(ReadOnlySpan<ClientLink> candidates)
    {
        var index = Interlocked.Increment(ref _next) - 1;
        return candidates[(int)(index % (uint)candidates.Length)];
    }
}
