using System.Globalization;

namespace Mesh.Balancing.Simulator;

/// <summary>
/// The sensitivity table: the default's constants swept one at a time (and a few joint settings), each run on every
/// workload; for each setting the suite's worst case against the best other built-in policy, the slow-replica
/// workload's calls within the deadline, the sequential spread, and how many workloads meet every bar.
/// </summary>
internal static class Sweep
{
    public static IReadOnlyList<(string Name, BalancingOverrides Overrides)> Variants()
    {
        var variants = new List<(string Name, BalancingOverrides Overrides)> { ("default", new BalancingOverrides()) };
        foreach (var exponent in new[] { 0.5, 0.75, 1.0, 1.5 })
        {
            variants.Add(($"exponent={exponent}", new BalancingOverrides { LatencyExponent = exponent }));
        }

        foreach (var tolerance in new[] { 1.0, 1.1, 1.25, 1.5 })
        {
            variants.Add(($"latencyTol={tolerance}", new BalancingOverrides { LatencyTolerance = tolerance }));
        }

        foreach (var tolerance in new[] { 1.0, 1.5, 2, 3 })
        {
            variants.Add(($"costTol={tolerance}", new BalancingOverrides { CostTolerance = tolerance }));
        }

        foreach (var weight in new[] { 0.0, 0.1, 0.25, 0.5 })
        {
            variants.Add(($"reportWeight={weight}", new BalancingOverrides { ReportWeight = weight }));
        }

        foreach (var decay in new[] { 100.0, 250, 1000 })
        {
            variants.Add(($"reportDecay={decay}ms", new BalancingOverrides { ReportDecayMs = decay }));
        }

        foreach (var decay in new[] { 250.0, 1000, 4000 })
        {
            variants.Add(($"latencyDecay={decay}ms", new BalancingOverrides { LatencyDecayMs = decay }));
        }

        foreach (var choices in new[] { 2, 4, 8, 16 })
        {
            variants.Add(($"choices={choices}", new BalancingOverrides { Choices = choices }));
        }

        foreach (var idle in new[] { 1.0, 1.5, 1.75, 2 })
        {
            variants.Add(($"idleTol={idle}", new BalancingOverrides { IdleTolerance = idle }));
        }

        foreach (var wins in new[] { 0.5, 0.7, 0.8, 0.9, 1 })
        {
            variants.Add(($"leastRecentWins={wins}", new BalancingOverrides { LeastRecentWins = wins }));
        }

        foreach (var slowStart in new[] { 0.0, 2000, 4000 })
        {
            variants.Add(($"slowStart={slowStart}ms", new BalancingOverrides { SlowStartMs = slowStart }));
        }

        // The previous default (square root of latency, 1.5x tolerance, two choices, reports at 0.5) and PeakEwma-like.
        variants.Add(("old default", new BalancingOverrides { LatencyExponent = 0.5, LatencyTolerance = 1.5, Choices = 2, ReportWeight = 0.5, IdleTolerance = 1 }));
        variants.Add(("P2C, no idle rule", new BalancingOverrides { Choices = 2, IdleTolerance = 1 }));

        return variants;
    }

    public static void Run(IReadOnlyList<Workload> workloads, string? only = null)
    {
        var others = workloads.Select(w => BarRow.Others.Select(p => new Simulation(w, p).Run()).ToArray()).ToArray();
        Console.WriteLine("Sensitivity: each setting of the default (LoadAware) on every workload; worst case over the suite vs the best other policy");
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-22} {1,-30} {2,-30} {3,-30} {4,9} {5,9} {6,6}", "setting", "worst calls/s vs best", "worst p99 vs best", "worst p99.9 vs best", "replica %", "seq m/m", "bars"));
        foreach (var (name, overrides) in Variants().Where(v => only is null || v.Name.Contains(only, StringComparison.Ordinal)))
        {
            var rows = workloads.Select((w, i) => BarRow.Of(
                new Simulation(w with { Balancing = Merge(w.Balancing, overrides) }, LoadBalancingPolicies.Default).Run(),
                others[i],
                w.LatencyBars)).ToArray();
            var throughput = rows.MinBy(r => r.ThroughputRatio)!;
            var p99 = rows.MaxBy(r => r.P99Ratio)!;
            var p999 = rows.MaxBy(r => r.P999Ratio)!;
            var replica = rows.FirstOrDefault(r => r.Workload == "slow-replica")?.SuccessRatio * 100 ?? double.NaN;
            var sequential = rows.FirstOrDefault(r => r.Workload == "sequential")?.MaxMeanCalls ?? double.NaN;
            Console.WriteLine(string.Format(
                CultureInfo.InvariantCulture,
                "{0,-22} {1,6:0.000} {2,-23} {3,6:0.000} {4,-23} {5,6:0.000} {6,-23} {7,9:0.000} {8,9:0.000} {9,3}/{10}",
                name,
                throughput.ThroughputRatio,
                throughput.Workload,
                p99.P99Ratio,
                p99.Workload,
                p999.P999Ratio,
                p999.Workload,
                replica,
                sequential,
                rows.Count(r => r.Holds),
                rows.Length));
        }
    }

    /// <summary>The bars of the default on every workload (one row each).</summary>
    public static IReadOnlyList<BarRow> Bars(IReadOnlyList<Workload> workloads)
        => [.. workloads.Select(w => BarRow.Of(new Simulation(w, LoadBalancingPolicies.Default).Run(), [.. BarRow.Others.Select(p => new Simulation(w, p).Run())], w.LatencyBars))];

    private static BalancingOverrides Merge(BalancingOverrides? workload, BalancingOverrides variant) => new()
    {
        SlowStartMs = variant.SlowStartMs ?? workload?.SlowStartMs,
        LatencyDecayMs = variant.LatencyDecayMs ?? workload?.LatencyDecayMs,
        ReportDecayMs = variant.ReportDecayMs ?? workload?.ReportDecayMs,
        ReportWeight = variant.ReportWeight ?? workload?.ReportWeight,
        LatencyExponent = variant.LatencyExponent ?? workload?.LatencyExponent,
        LatencyTolerance = variant.LatencyTolerance ?? workload?.LatencyTolerance,
        CostTolerance = variant.CostTolerance ?? workload?.CostTolerance,
        Choices = variant.Choices ?? workload?.Choices,
        IdleTolerance = variant.IdleTolerance ?? workload?.IdleTolerance,
        LeastRecentWins = variant.LeastRecentWins ?? workload?.LeastRecentWins,
    };
}
