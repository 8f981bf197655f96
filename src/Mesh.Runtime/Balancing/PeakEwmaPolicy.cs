namespace Mesh.Balancing;

/// <summary>
/// Linkerd's and Finagle's balancer, for comparison: of two random candidates, the one with the lower
/// latency × (outstanding + 1), latency being the peak EWMA of what this caller observed (a peer with no
/// samples counts at the default latency). Uses the caller's own data only.
/// </summary>
internal sealed class PeakEwmaPolicy(PickRandom random, TimeProvider time) : ILoadBalancingPolicy
{
    public string Name => LoadBalancingPolicies.PeakEwma;

    public int Pick(ReadOnlySpan<PeerStats> peers)
    {
        var (first, second) = PowerOfTwoChoices.Draw(peers, random, out var decided);
        if (decided >= 0)
        {
            return decided;
        }

        var now = time.GetTimestamp();
        return Cost(peers[second], now) < Cost(peers[first], now) ? second : first;
    }

    private static double Cost(PeerStats peer, long now)
    {
        var latency = peer.LatencyMs(now);
        if (double.IsNaN(latency))
        {
            latency = peer.Settings.DefaultLatency.TotalMilliseconds;
        }

        return latency * (peer.Outstanding + 1);
    }
}
