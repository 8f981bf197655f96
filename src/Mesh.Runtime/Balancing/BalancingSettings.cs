namespace Mesh.Balancing;

/// <summary>The tunables the balancing code shares, taken from <see cref="MeshOptions"/>.</summary>
/// <param name="SlowStartWindow">A new peer's cost is divided by a factor that ramps from 0.1 to 1 over this window.</param>
/// <param name="LatencyDecay">Time constant of the peak-EWMA latency: older samples lose weight as exp(−Δt / decay).</param>
/// <param name="LoadReportDecay">A peer's report counts with weight exp(−age / decay).</param>
/// <param name="ReportWeight">How much the load others put on a peer (from its reports) counts next to the caller's own outstanding calls.</param>
/// <param name="DefaultLatency">Latency assumed for a peer with no samples, when nothing better is known.</param>
/// <param name="RefusalDecay">Time constant over which an "overloaded" refusal stops counting against a peer.</param>
/// <param name="LatencyExponent">The default policy's cost grows with latency to this power (1 = Linkerd's latency × load).</param>
/// <param name="LatencyTolerance">
/// The default policy treats two peers' latencies as equal unless one exceeds the other by more than this
/// factor, and then counts only the excess: equal peers' estimates differ by measurement noise (up to about
/// 1.5× on a busy machine), which must not steer calls.
/// </param>
/// <param name="CostTolerance">
/// Between two equally fast candidates, the default policy sends a call to the cheaper for certain only when the dearer
/// costs at least this factor more; between, the cheaper wins with a probability rising from 1/2 to 1.
/// </param>
/// <param name="IdleTolerance">
/// Between two candidates with none of the caller's calls outstanding whose mean latencies are within this factor (and
/// costs within <paramref name="CostTolerance"/>), the default policy picks the one it used least recently (1: off).
/// </param>
/// <param name="LeastRecentWins">The probability that, of two such idle peers, the one used least recently wins.</param>
/// <param name="Choices">How many random candidates the default policy compares per pick (2: power of two choices).</param>
internal sealed record BalancingSettings(
    TimeSpan SlowStartWindow,
    TimeSpan LatencyDecay,
    TimeSpan LoadReportDecay,
    double ReportWeight,
    TimeSpan DefaultLatency,
    TimeSpan RefusalDecay,
    double LatencyExponent,
    double LatencyTolerance,
    double CostTolerance,
    int Choices = 2,
    double IdleTolerance = 1,
    double LeastRecentWins = 1)
{
    /// <summary>The defaults (chosen with the simulator; see README "How a call picks a peer").</summary>
    public static BalancingSettings Default { get; } = From(new MeshOptions());

    public static BalancingSettings From(MeshOptions options) => new(
        options.SlowStartWindow,
        options.LatencyDecay,
        options.LoadReportDecay,
        options.LoadReportWeight,
        TimeSpan.FromMilliseconds(30),
        TimeSpan.FromSeconds(1),
        1,
        1.25,
        1.5,
        8,
        1.75,
        0.8);
}
