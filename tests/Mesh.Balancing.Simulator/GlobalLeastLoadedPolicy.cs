namespace Mesh.Balancing.Simulator;

/// <summary>
/// The control that shows herding: every call goes to the peer with the lowest reported load across all
/// peers (ties broken at random). With fresh reports it looks ideal; with stale ones every caller sees the
/// same "idle" peer and sends it everything. Not offered by the runtime.
/// </summary>
internal sealed class GlobalLeastLoadedPolicy(PickRandom random) : ILoadBalancingPolicy
{
    public const string PolicyName = "GlobalLeastLoaded";

    public string Name => PolicyName;

    public int Pick(ReadOnlySpan<PeerStats> peers)
    {
        var start = (int)((uint)random.Next() % (uint)peers.Length);
        var best = start;
        var bestLoad = int.MaxValue;
        for (var i = 0; i < peers.Length; i++)
        {
            var index = (start + i) % peers.Length;
            var peer = peers[index];
            var load = peer.HasReport ? peer.ReportedLoad : 0;
            if (peer.IsAvailable && load < bestLoad)
            {
                best = index;
                bestLoad = load;
            }
        }

        return best;
    }
}
