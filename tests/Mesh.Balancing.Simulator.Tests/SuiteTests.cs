using Mesh.Balancing;
using Xunit.Abstractions;

namespace Mesh.Balancing.Simulator.Tests;

/// <summary>
/// The issue's bars for the default over the whole workload suite (fixed seeds; the simulation is deterministic,
/// so these are not timing tests): within 5 % of the best other policy's throughput and within 10 % of the best
/// p99 and p99.9 on every workload, at least 99.9 % of calls within the deadline with a slow replica, and an even
/// spread of sequential calls.
/// </summary>
public sealed class SuiteTests(ITestOutputHelper output)
{
    public static TheoryData<string> Workloads => [.. Workload.BuiltinNames];

    [Theory]
    [MemberData(nameof(Workloads))]
    public void Suite_Default_WithinBarsOfBestOtherPolicy(string name)
    {
        var row = Sweep.Bars([Workload.Builtin(name)])[0];
        output.WriteLine(BarRow.Header());
        output.WriteLine(row.ToString());

        Assert.True(row.ThroughputRatio >= BarRow.ThroughputBar, $"throughput {row.ThroughputRatio:0.000} of {row.BestThroughputPolicy}'s");
        if (row.LatencyBars)
        {
            Assert.True(row.P99Ratio <= BarRow.LatencyBar, $"p99 {row.P99Ratio:0.000} of {row.BestP99Policy}'s");
            Assert.True(row.P999Ratio <= BarRow.LatencyBar, $"p99.9 {row.P999Ratio:0.000} of {row.BestP999Policy}'s");
        }
    }

    [Fact]
    public void SlowReplica_Default_AtLeast999PerMilleWithinDeadlineAndRoundRobinFarBelow()
    {
        var workload = Workload.Builtin("slow-replica");
        var result = new Simulation(workload, LoadBalancingPolicies.Default).Run();
        var roundRobin = new Simulation(workload, LoadBalancingPolicies.RoundRobin).Run();
        output.WriteLine(Report.TableRow(result, workload.WarmupSeconds));
        output.WriteLine(Report.TableRow(roundRobin, workload.WarmupSeconds));

        Assert.True(result.SuccessRatio >= 0.999, $"{result.SuccessRatio:P3} within the deadline");
        Assert.True(roundRobin.SuccessRatio < 0.97, $"round-robin {roundRobin.SuccessRatio:P3}: the workload must bite");
    }

    [Fact]
    public void Sequential_Default_ThreeHundredCallsSpreadWithMaxOverMeanAtMost120OnEverySeed()
    {
        var workload = Workload.Builtin("sequential");
        for (var seed = 1; seed <= 10; seed++)
        {
            var result = new Simulation(workload with { Seed = seed }, LoadBalancingPolicies.Default).Run();
            output.WriteLine($"seed {seed}: {string.Join("/", result.Servers.Select(s => s.Calls))}");

            Assert.Equal(300, result.Servers.Sum(s => s.Calls));
            Assert.InRange(result.MaxMeanCalls, 1.0, 1.2);
        }
    }
}
