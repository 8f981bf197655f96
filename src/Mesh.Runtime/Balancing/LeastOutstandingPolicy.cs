namespace Mesh.Balancing;

/// <summary>
/// Each call goes to the available candidate with the fewest of this caller's calls outstanding (a full
/// scan from a random start, so ties spread). Sees only the caller's own calls.
/// </summary>
internal sealed class LeastOutstandingPolicy(PickRandom random) : ILoadBalancingPolicy
{
    public string Name => LoadBalancingPolicies.LeastOutstanding;

    public int Pick(ReadOnlySpan<PeerStats> peers)
    {
        var start = (int)((uint)random.Next() % (uint)peers.Length);
        var best = -1;
        var bestOutstanding = int.MaxValue;
        for (var i = 0; i < peers.Length; i++)
        {
            var index = (start + i) % peers.Length;
            var peer = peers[index];
            if (peer.IsAvailable && peer.Outstanding < bestOutstanding)
            {
                best = index;
                bestOutstanding = peer.Outstanding;
            }
        }

        return best < 0 ? start : best;
    }
}
