namespace Mesh.Balancing;

/// <summary>
/// The default policy: of up to <see cref="BalancingSettings.Choices"/> (8) random available candidates, the one with
/// the lowest cost
/// <code>
/// cost = latency × (outstanding + 1 + reportWeight × max(0, reportedLoad − outstanding) × exp(−reportAge / reportDecay))
///        × (1 + refusals) / slowStart
/// </code>
/// where <c>latency</c> is the peak EWMA of what this caller observed, raised to how long the peer has held
/// this caller's calls without answering any when that is longer, and to how long a call it gave up on had waited
/// (a peer without samples borrows the other candidate's estimate, else its reported service time, else the
/// default); <c>outstanding</c> this caller's calls in flight there; <c>reportedLoad</c> the calls (executing +
/// queued) the peer last reported (weight 0 by default: see below); <c>refusals</c> the decaying count of
/// "overloaded" refusals; and <c>slowStart</c> the ramp from 0.1 to 1 over the slow-start window after a peer
/// joined (the node's initial peers start ramped, see <see cref="SlowStartGate"/>).
/// </summary>
/// <remarks>
/// Candidates are compared pairwise (a tournament); with at most eight peers every available peer is a candidate. Measurement noise must not steer calls between equal peers:
/// latencies within 1.25× of each other count as equal (past that only the excess counts), and between equally fast
/// peers whose costs are within 1.5× the cheaper wins with a probability rising from 1/2 to 1 instead of always; when
/// both are idle (none of this caller's calls outstanding), their mean latencies (a plain moving average, steadier than
/// the peak) within 1.75× and their costs at equal latency within 1.5× of each other, the one this caller used least
/// recently wins with probability 0.8, so one caller making calls one at a time spreads them evenly instead of following noise. The
/// constants were chosen with the balancing simulator's workload suite and its sensitivity table (README, "How a call
/// picks a peer"): latency to the power 1 (the square root made a 12× slower peer cost only about 2.8× more), eight
/// candidates rather than two (two cannot match a full scan of the caller's own outstanding calls when servers differ
/// in speed or capacity; the caller's own counts are never stale, so a wider look does not herd), and reports weighted
/// 0, since weighting the load other callers report made many callers reading one report herd.
/// </remarks>
internal sealed class LoadAwarePolicy(PickRandom random, TimeProvider time) : ILoadBalancingPolicy
{
    /// <summary>Answers a peer's mean latency needs before it can tell the peer apart from another when both are idle.</summary>
    private const int SettledSamples = 8;

    public string Name => LoadBalancingPolicies.LoadAware;

    public int Pick(ReadOnlySpan<PeerStats> peers)
    {
        var (first, second) = PowerOfTwoChoices.Draw(peers, random, out var decided);
        if (decided >= 0)
        {
            return decided;
        }

        var now = time.GetTimestamp();
        var winner = Compare(peers, first, second, now);
        var choices = peers[first].Settings.Choices;
        if (choices <= 2 || peers.Length == 2)
        {
            return winner;
        }

        if (peers.Length <= choices)
        {
            // Few peers: every available one is a candidate, each compared once, from a random start.
            for (var i = 1; i < peers.Length; i++)
            {
                var other = (first + i) % peers.Length;
                if (other != second && peers[other].IsAvailable)
                {
                    winner = Compare(peers, winner, other, now);
                }
            }

            return winner;
        }

        for (var extra = 2; extra < choices; extra++)
        {
            var other = (int)((uint)random.Next() % (uint)peers.Length);
            if (other != first && other != second && other != winner && peers[other].IsAvailable)
            {
                winner = Compare(peers, winner, other, now);
            }
        }

        return winner;
    }

    private int Compare(ReadOnlySpan<PeerStats> peers, int first, int second, long now)
    {
        var a = peers[first];
        var b = peers[second];
        // A peer that has not answered for longer than its estimate is at least that slow now: its estimate
        // only learns from calls that came back, and under a burst the peer answering last would look fastest.
        // A peer not measured yet borrows the other's estimate and is not held to it: its first answers are
        // still on their way.
        var latencyA = a.LatencyMs(now);
        var latencyB = b.LatencyMs(now);
        var measuredA = !double.IsNaN(latencyA);
        var measuredB = !double.IsNaN(latencyB);
        latencyA = measuredA ? Math.Max(latencyA, a.SilentMs(now)) : Prior(a, latencyB);
        latencyB = measuredB ? Math.Max(latencyB, b.SilentMs(now)) : Prior(b, latencyA);

        // Within the tolerance the two count as equally fast (noise must not steer calls); past it, only the
        // excess counts, so the cost stays continuous in the latencies.
        var tolerance = a.Settings.LatencyTolerance;
        if (latencyA > latencyB)
        {
            latencyA = Math.Max(latencyB, latencyA / tolerance);
        }
        else
        {
            latencyB = Math.Max(latencyA, latencyB / tolerance);
        }

        var equallyFast = latencyA == latencyB;
        var costA = Cost(a, latencyA, now);
        var costB = Cost(b, latencyB, now);
        var (cheaper, dearer, low, high) = costB < costA ? (second, first, costB, costA) : (first, second, costA, costB);
        var closeness = a.Settings.CostTolerance;
        var idle = a.Settings.IdleTolerance;
        if (idle > 1 && a.Outstanding == 0 && b.Outstanding == 0 && Similar(a, b, idle)
            && Close(Cost(a, 1, now), Cost(b, 1, now), closeness))
        {
            // Both idle, equally fast on average, and their costs apart from latency (refusals, slow start, reports)
            // close: no load signal to go by, and a caller making one call
            // at a time would otherwise follow its latency samples' noise (one slow answer can keep a peer out for
            // seconds). The peer this caller used least recently gets the call (with a probability, 0.8, so that
            // many callers do not fall into step), so sequential calls take turns.
            var (older, newer) = a.LastSentAt <= b.LastSentAt ? (first, second) : (second, first);
            return Uniform() < a.Settings.LeastRecentWins ? older : newer;
        }

        if (!equallyFast || closeness <= 1 || high >= closeness * low)
        {
            return cheaper;
        }

        // Equally fast peers with close costs (the difference is in the load counts): the cheaper wins with a
        // probability rising from 1/2 (equal) to 1 (the tolerance), so noise in the counts — a caller's
        // receive loop handing it a peer's answers in one batch — shifts calls in proportion, not all or nothing.
        var win = 0.5 + (0.5 * (high / low - 1) / (closeness - 1));
        return Uniform() < win ? cheaper : dearer;
    }

    private double Uniform() => (random.Next() >> 11) * (1.0 / (1UL << 53));

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

    /// <summary>Whether two costs are within <paramref name="factor"/> of each other.</summary>
    private static bool Close(double a, double b, double factor) => Math.Max(a, b) < factor * Math.Min(a, b);

    /// <summary>
    /// Whether two peers' mean latencies are within <paramref name="factor"/> of each other; a peer with fewer than
    /// <see cref="SettledSamples"/> answers counts as similar (a mean of one or two answers is mostly noise).
    /// </summary>
    private static bool Similar(PeerStats a, PeerStats b, double factor)
    {
        if (a.Samples < SettledSamples || b.Samples < SettledSamples)
        {
            return true;
        }

        var (x, y) = (a.MeanLatencyMs, b.MeanLatencyMs);
        return Math.Max(x, y) <= factor * Math.Min(x, y);
    }

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
