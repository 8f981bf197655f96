namespace Mesh.Balancing;

/// <summary>Each call goes to the next available candidate in turn.</summary>
internal sealed class RoundRobinPolicy : ILoadBalancingPolicy
{
    private uint _next;

    public string Name => LoadBalancingPolicies.RoundRobin;

    public int Pick(ReadOnlySpan<PeerStats> peers)
    {
        var start = (int)((Interlocked.Increment(ref _next) - 1) % (uint)peers.Length);
        for (var i = 0; i < peers.Length; i++)
        {
            var index = (start + i) % peers.Length;
            if (peers[index].IsAvailable)
            {
                return index;
            }
        }

        return start;
    }
}
