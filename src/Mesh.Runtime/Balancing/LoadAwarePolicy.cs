namespace Mesh.Balancing;

/// <summary>
/// The default policy: of two random available candidates, the one with the lower cost
/// <code>
/// cost = √latency × (outstanding + 1 + reportWeight × max(0, reportedLoad − outstanding) × exp(−reportAge / reportDecay))
///        × (1 + refusals) / slowStart
/// </code>
/// where <c>latency</c> is the peak EWMA of what this caller observed (a peer without samples borrows the
/// other candidate's, else its reported service time, else the default), <c>outstanding</c> this caller's
/// calls in flight there, <c>reportedLoad</c> the calls (executing + queued) the peer last reported — so
/// <c>reportedLoad − outstanding</c> estimates the load other callers put on it, which the caller cannot
/// see — <c>refusals</c> the decaying count of "overloaded" refusals, and <c>slowStart</c> the ramp from
/// 0.1 to 1 over the slow-start window after the peer joined.
/// </summary>
/// <remarks>
/// Two random choices, never the global minimum, so a stale report cannot send every caller to the same
/// peer; an old report fades toward the caller's own data (a report older than 4 × the decay is ignored).
/// The square root of latency (Linkerd uses latency itself) keeps a slower peer near its capacity share
/// instead of starving it: with one peer 3× slower, latency¹ gave it 4.9% of calls for a 7.7% capacity
/// share, √latency 6.8%, at a p99 still well under half of round-robin's. Report weight 0.5 and decay
/// 250 ms were chosen with the balancing simulator's sweep (README, "How a call picks a peer").
/// </remarks>
internal sealed class LoadAwarePolicy(PickRandom random, TimeProvider time) : ILoadBalancingPolicy
{
    public string Name => LoadBalancingPolicies.LoadAware;

    public int Pick(ReadOnlySpan<PeerStats> peers)
    {
        var (first, second) = PowerOfTwoChoices.Draw(peers, random, out var decided);
        if (decided >= 0)
        {
            return decided;
        }

        var now = time.GetTimestamp();
        var a = peers[first];
        var b = peers[second];
        var latencyA = a.LatencyMs(now);
        var latencyB = b.LatencyMs(now);
        if (double.IsNaN(latencyA))
        {
            latencyA = Prior(a, latencyB);
        }

        if (double.IsNaN(latencyB))
        {
            latencyB = Prior(b, latencyA);
        }

        return Cost(b, latencyB, now) < Cost(a, latencyA, now) ? second : first;
    }

    /// <summary>The cost of sending one more call to <paramref name="peer"/>, in ms-weighted calls.</summary>
    internal static double Cost(PeerStats peer, double latencyMs, long now)
    {
        var outstanding = peer.Outstanding;
        var others = 0.0;
        if (peer.HasReport)
        {
            others = Math.Max(0, peer.ReportedLoad - outstanding) * peer.ReportWeight(now) * peer.Settings.ReportWeight;
        }

        var cost = LatencyTerm(latencyMs, peer.Settings.LatencyExponent) * (outstanding + 1 + others);
        var refusals = peer.Refusals(now);
        if (refusals > 0)
        {
            cost *= 1 + refusals;
        }

        return cost / peer.SlowStartFactor(now);
    }

    private static double LatencyTerm(double latencyMs, double exponent)
        => exponent == 1 ? latencyMs : exponent == 0.5 ? Math.Sqrt(latencyMs) : Math.Pow(latencyMs, exponent);

    private static double Prior(PeerStats peer, double otherLatency)
    {
        if (!double.IsNaN(otherLatency))
        {
            return otherLatency;
        }

        var reported = peer.ReportedServiceTimeMs;
        return double.IsNaN(reported) || reported <= 0 ? peer.Settings.DefaultLatency.TotalMilliseconds : reported;
    }
}
