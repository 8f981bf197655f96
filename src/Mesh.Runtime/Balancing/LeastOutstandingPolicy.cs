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
        Scan(peers, start, peers.Length, ref best, ref bestOutstanding);
        Scan(peers, 0, start, ref best, ref bestOutstanding);
        return best < 0 ? start : best;
    }

    private static void Scan(ReadOnlySpan<PeerStats> peers, int from, int to, ref int best, ref int bestOutstanding)
    {
        for (var i = from; i < to; i++)
        {
            var peer = peers[i];
            if (peer.IsAvailable && peer.Outstanding < bestOutstanding)
            {
                best = i;
                bestOutstanding = peer.Outstanding;
            }
        }
    }
}
