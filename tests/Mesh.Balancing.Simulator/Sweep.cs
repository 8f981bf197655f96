using System.Globalization;

namespace Mesh.Balancing.Simulator;

/// <summary>
/// How the default's cost settings were chosen: runs LoadAware with each variant on every workload and
/// prints p99 (ms) and throughput relative to PeakEwma (the caller-local baseline) side by side.
/// </summary>
internal static class Sweep
{
    public static void Run(IReadOnlyList<Workload> workloads)
    {
        var variants = new List<(string Name, BalancingOverrides Overrides)>();
        foreach (var exponent in new[] { 1.0, 0.5 })
        {
            foreach (var weight in new[] { 0.0, 0.5, 1, 2 })
            {
                foreach (var decay in new[] { 100.0, 250, 500 })
                {
                    variants.Add(($"e={exponent} w={weight} rd={decay}", new BalancingOverrides { LatencyExponent = exponent, ReportWeight = weight, ReportDecayMs = decay }));
                }
            }
        }

        foreach (var latency in new[] { 250.0, 500, 2000, 10000 })
        {
            variants.Add(($"ld={latency}", new BalancingOverrides { LatencyDecayMs = latency }));
        }

        foreach (var tolerance in new[] { 1.0, 1.25, 2 })
        {
            variants.Add(($"lt={tolerance}", new BalancingOverrides { LatencyTolerance = tolerance }));
        }

        foreach (var tolerance in new[] { 1.0, 1.5, 3 })
        {
            variants.Add(($"ct={tolerance}", new BalancingOverrides { CostTolerance = tolerance }));
        }

        foreach (var slowStart in new[] { 0.0, 1000, 4000 })
        {
            variants.Add(($"ss={slowStart}", new BalancingOverrides { SlowStartMs = slowStart }));
        }

        variants.Add(("default", new BalancingOverrides()));
        Console.WriteLine("p99 ms (throughput / PeakEwma's) per workload; LoadAware variants");
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-22}", "variant") + string.Concat(workloads.Select(w => $" {w.Name,20}")));
        var baseline = workloads.Select(w => new Simulation(w, LoadBalancingPolicies.PeakEwma).Run()).ToArray();
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-22}", "PeakEwma") + string.Concat(baseline.Select(r => string.Format(CultureInfo.InvariantCulture, " {0,12:0.00} ({1:0.000})", r.P99Ms, 1.0))));
        foreach (var (name, overrides) in variants)
        {
            var cells = workloads.Select((w, i) =>
            {
                var r = new Simulation(w with { Balancing = Merge(w.Balancing, overrides) }, LoadBalancingPolicies.LoadAware).Run();
                return string.Format(CultureInfo.InvariantCulture, " {0,12:0.00} ({1:0.000})", r.P99Ms, r.Throughput / baseline[i].Throughput);
            });
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-22}", name) + string.Concat(cells));
        }
    }

    private static BalancingOverrides Merge(BalancingOverrides? workload, BalancingOverrides variant) => new()
    {
        SlowStartMs = variant.SlowStartMs ?? workload?.SlowStartMs,
        LatencyDecayMs = variant.LatencyDecayMs ?? workload?.LatencyDecayMs,
        ReportDecayMs = variant.ReportDecayMs ?? workload?.ReportDecayMs,
        ReportWeight = variant.ReportWeight ?? workload?.ReportWeight,
        LatencyExponent = variant.LatencyExponent ?? workload?.LatencyExponent,
        LatencyTolerance = variant.LatencyTolerance ?? workload?.LatencyTolerance,
        CostTolerance = variant.CostTolerance ?? workload?.CostTolerance,
    };
}
