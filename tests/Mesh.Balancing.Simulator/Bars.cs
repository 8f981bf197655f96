using System.Globalization;

namespace Mesh.Balancing.Simulator;

/// <summary>
/// The bars for the default on one workload: its throughput, p99 and p99.9 against the best of the other
/// built-in policies (round-robin, least-outstanding, peak-EWMA; the global-least-loaded control is not a policy the
/// runtime offers and is left out).
/// </summary>
internal sealed record BarRow(
    string Workload,
    double ThroughputRatio,
    string BestThroughputPolicy,
    double P99Ratio,
    string BestP99Policy,
    double P999Ratio,
    string BestP999Policy,
    double SuccessRatio,
    double MaxMeanCalls,
    bool LatencyBars = true)
{
    /// <summary>Within 5 % of the best throughput.</summary>
    public const double ThroughputBar = 0.95;

    /// <summary>Within 10 % of the best p99 and p99.9.</summary>
    public const double LatencyBar = 1.10;

    /// <summary>The comparison set: every built-in policy but the default.</summary>
    public static IReadOnlyList<string> Others { get; } = [.. LoadBalancingPolicies.All.Where(p => p != LoadBalancingPolicies.Default)];

    public bool Holds => ThroughputRatio >= ThroughputBar && (!LatencyBars || (P99Ratio <= LatencyBar && P999Ratio <= LatencyBar));

    /// <summary>Compares <paramref name="mine"/> with <paramref name="others"/> (results of the same workload).</summary>
    public static BarRow Of(SimResult mine, IReadOnlyList<SimResult> others, bool latencyBars = true)
    {
        var bestThroughput = others.MaxBy(r => r.Throughput)!;
        var bestP99 = others.MinBy(r => r.P99Ms)!;
        var bestP999 = others.MinBy(r => r.P999Ms)!;
        return new BarRow(
            mine.Workload,
            mine.Throughput / bestThroughput.Throughput,
            bestThroughput.Policy,
            mine.P99Ms / bestP99.P99Ms,
            bestP99.Policy,
            mine.P999Ms / bestP999.P999Ms,
            bestP999.Policy,
            mine.SuccessRatio,
            mine.MaxMeanCalls,
            latencyBars);
    }

    public static string Header()
        => string.Format(CultureInfo.InvariantCulture, "{0,-16} {1,18} {2,18} {3,18} {4,8} {5,9} {6,5}", "workload", "calls/s vs best", "p99 vs best", "p99.9 vs best", "ok %", "calls m/m", "bars");

    public override string ToString()
        => string.Format(
            CultureInfo.InvariantCulture,
            "{0,-16} {1,6:0.000} {2,-11} {3,6:0.000} {4,-11} {5,6:0.000} {6,-11} {7,8:0.000} {8,9:0.000} {9,5}",
            Workload,
            ThroughputRatio,
            Short(BestThroughputPolicy),
            P99Ratio,
            Short(BestP99Policy),
            P999Ratio,
            Short(BestP999Policy),
            SuccessRatio * 100,
            MaxMeanCalls,
            Holds ? (LatencyBars ? "ok" : "ok*") : "MISS");

    private static string Short(string policy) => policy switch
    {
        LoadBalancingPolicies.RoundRobin => "(RR)",
        LoadBalancingPolicies.LeastOutstanding => "(LeastOut)",
        LoadBalancingPolicies.PeakEwma => "(PeakEwma)",
        _ => $"({policy})",
    };
}
