using Mesh.Balancing;
using Xunit.Abstractions;

namespace Mesh.Balancing.Simulator.Tests;

/// <summary>
/// The quality bars, on the built-in workloads with their fixed seeds. The simulation is
/// deterministic (simulated clock, seeded randomness), so these are not timing tests.
/// </summary>
public sealed class QualityBarTests(ITestOutputHelper output)
{
    private const string Default = LoadBalancingPolicies.Default;

    [Fact]
    public void Seed2x5_Default_AllFiveServeWithMaxOverMeanAtMost110()
    {
        var result = Run("seed-2x5", Default);

        Assert.All(result.Servers, s => Assert.True(s.Calls > 0, $"{s.Name} served nothing"));
        Assert.InRange(result.MaxMeanCalls, 1.0, 1.10);
        Assert.InRange(result.MaxMeanUtilisation, 1.0, 1.10);
    }

    [Fact]
    public void OneSlow_Default_HalvesRoundRobinP99KeepsThroughputAndStillUsesSlowServer()
    {
        var roundRobin = Run("one-slow", LoadBalancingPolicies.RoundRobin);
        var result = Run("one-slow", Default);

        Assert.True(result.P99Ms <= 0.5 * roundRobin.P99Ms, $"p99 {result.P99Ms:0.0} ms vs round-robin {roundRobin.P99Ms:0.0} ms");
        Assert.True(result.Throughput >= roundRobin.Throughput, $"throughput {result.Throughput:0} vs round-robin {roundRobin.Throughput:0}");
        var slow = result.Servers[4];
        // Not starved: throughput and tail latency are the figures of merit, and they are best with the slow server
        // below its capacity share (the default gives it about half, PeakEwma about two thirds, at lower throughput).
        Assert.InRange(slow.Share, 0.4 * slow.CapacityShare, 1.3 * slow.CapacityShare);
    }

    [Fact]
    public void SlowMidRun_Default_SlowServerShareFallsWithinOneSecondAndRecovers()
    {
        var result = Run("slow-mid-run", Default);
        const int Slow = 2;
        var before = result.Share(Slow, 2, 8);

        var fell = result.FirstTime(Slow, 8, share => share < 0.6 * before);
        Assert.NotNull(fell);
        Assert.True(fell <= 9, $"share fell below 60% of {before:P1} only at {fell} s (slow from 8 s)");
        Assert.True(result.Share(Slow, 9, 14) < 0.6 * before, $"share while slow {result.Share(Slow, 9, 14):P1} vs {before:P1} before");
        var recovered = result.FirstTime(Slow, 14, share => share > 0.8 * before);
        Assert.NotNull(recovered);
        Assert.True(result.Share(Slow, 16, 20) > 0.85 * before, $"share after recovery {result.Share(Slow, 16, 20):P1} vs {before:P1} before");
        output.WriteLine($"before {before:P1}, fell at {fell} s, while slow {result.Share(Slow, 9, 14):P1}, back above 80% at {recovered} s, after {result.Share(Slow, 16, 20):P1}");
    }

    [Fact]
    public void Stale_Default_NoHerdingNoOscillationAndNoWorseThanPeakEwma()
    {
        var workload = Workload.Builtin("stale");
        var result = new Simulation(workload, Default).Run();
        var (worst, swing) = result.Windows(1.0, workload.WarmupSeconds);

        Assert.InRange(result.MaxMeanCalls, 1.0, 1.25);
        Assert.InRange(worst, 1.0, 1.25);
        Assert.InRange(swing, 0, 0.25);
        output.WriteLine($"seed {workload.Seed}: default window max/mean {worst:0.000}, swing {swing:0.000}");

        // "Never worse than P2C-peak-EWMA on local data alone": reports this old are ignored, so the two differ only
        // by their cost shapes and random draws, and a single seed moves p99 by ±0.5 % either way. Over six seeds the
        // default must match peak-EWMA's mean p99 and throughput (within 0.3 %) and spread calls as evenly (within 1 %).
        double p99 = 0, peakP99 = 0, throughput = 0, peakThroughput = 0, spread = 0, peakSpread = 0;
        for (var seed = 1; seed <= 6; seed++)
        {
            var seeded = workload with { Seed = seed };
            var mine = new Simulation(seeded, Default).Run();
            var theirs = new Simulation(seeded, LoadBalancingPolicies.PeakEwma).Run();
            (p99, peakP99) = (p99 + mine.P99Ms, peakP99 + theirs.P99Ms);
            (throughput, peakThroughput) = (throughput + mine.Throughput, peakThroughput + theirs.Throughput);
            (spread, peakSpread) = (spread + mine.MaxMeanCalls, peakSpread + theirs.MaxMeanCalls);
            output.WriteLine($"seed {seed}: default {mine.Throughput:0}/s p99 {mine.P99Ms:0.00} max/mean {mine.MaxMeanCalls:0.000}; PeakEwma {theirs.Throughput:0}/s p99 {theirs.P99Ms:0.00} max/mean {theirs.MaxMeanCalls:0.000}");
        }

        Assert.True(p99 <= 1.003 * peakP99, $"mean p99 {p99 / 6:0.00} vs PeakEwma {peakP99 / 6:0.00}");
        Assert.True(throughput >= 0.997 * peakThroughput, $"mean throughput {throughput / 6:0} vs PeakEwma {peakThroughput / 6:0}");
        Assert.True(spread <= 1.01 * peakSpread, $"mean max/mean {spread / 6:0.000} vs PeakEwma {peakSpread / 6:0.000}");
    }

    [Fact]
    public void Stale_GlobalLeastLoaded_Herds()
    {
        var workload = Workload.Builtin("stale");
        var result = new Simulation(workload, GlobalLeastLoadedPolicy.PolicyName).Run();
        var (worst, swing) = result.Windows(1.0, workload.WarmupSeconds);

        Assert.True(worst > 2, $"window max/mean {worst:0.00}");
        Assert.True(swing > 1, $"swing {swing:0.00}");
    }

    [Fact]
    public void Join_Default_NewServerReachesFairShareWithinSlowStartPlusOneSecondWithoutLatencySpike()
    {
        var workload = Workload.Builtin("join");
        var result = new Simulation(workload, Default).Run();
        const int Joined = 4;
        const double JoinAt = 8;
        var window = BalancingSettings.Default.SlowStartWindow.TotalSeconds;
        var fair = 1.0 / workload.Servers.Count;

        var reached = result.FirstTime(Joined, JoinAt, share => share >= 0.8 * fair);
        Assert.NotNull(reached);
        Assert.True(reached <= JoinAt + window + 1, $"reached 80% of its fair share at {reached} s (joined at {JoinAt} s)");
        var steady = result.MaxWindowP99(workload.WarmupSeconds, JoinAt);
        var after = result.MaxWindowP99(JoinAt, workload.DurationSeconds);
        Assert.True(after <= 2 * steady, $"worst window p99 after the join {after:0.0} ms vs {steady:0.0} ms before");
        output.WriteLine($"fair share reached at {reached} s; worst window p99 before {steady:0.0} ms, after {after:0.0} ms");
    }

    [Theory]
    [InlineData("equal")]
    [InlineData("many-50x10")]
    public void EqualServers_Default_BalancedWithinTenPercent(string name)
    {
        var result = Run(name, Default);

        Assert.InRange(result.MaxMeanCalls, 1.0, 1.10);
    }

    [Fact]
    public void Run_SameSeedTwice_IdenticalResults()
    {
        var first = Run("one-slow", Default);
        var second = Run("one-slow", Default);
        var other = new Simulation(Workload.Builtin("one-slow") with { Seed = 7 }, Default).Run();

        Assert.Equal(first.Servers.Select(s => s.Calls), second.Servers.Select(s => s.Calls));
        Assert.Equal(first.P99Ms, second.P99Ms);
        Assert.NotEqual(first.Servers.Select(s => s.Calls), other.Servers.Select(s => s.Calls));
    }

    private SimResult Run(string workload, string policy)
    {
        var w = Workload.Builtin(workload);
        var result = new Simulation(w, policy).Run();
        output.WriteLine(Report.TableRow(result, w.WarmupSeconds));
        return result;
    }
}
