namespace Mesh.Balancing.Simulator.Tests;

public sealed class WorkloadTests
{
    [Fact]
    public void Parse_UnknownField_FailsNamingIt()
    {
        var ex = Assert.ThrowsAny<Exception>(() => Workload.Parse("""{ "servers": [ { "capacity": 1 } ], "speeed": 2 }"""));

        Assert.Contains("speeed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoServers_FailsWithReason()
    {
        var ex = Assert.Throws<ArgumentException>(() => Workload.Parse("""{ "servers": [] }"""));

        Assert.Contains("servers", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_FullWorkload_ReadsEveryField()
    {
        var workload = Workload.Parse("""
            { "name": "w", "seed": 3, "durationSeconds": 5, "warmupSeconds": 1, "callers": 3, "concurrency": 2,
              "reportDelayMs": 1000, "piggyback": false, "policies": ["RoundRobin"],
              "balancing": { "slowStartMs": 0, "reportWeight": 0 },
              "servers": [ { "capacity": 2, "speed": 0.5, "queueLimit": 3, "joinAtSeconds": 1, "leaveAtSeconds": 4,
                             "slow": [ { "atSeconds": 2, "untilSeconds": 3, "factor": 4 } ] } ] }
            """);

        Assert.Equal(3, workload.Seed);
        Assert.False(workload.Piggyback);
        var server = Assert.Single(workload.Servers);
        Assert.Equal(4, server.Slow![0].Factor);
        Assert.Equal(0, workload.Balancing!.Apply(BalancingSettings.Default).ReportWeight);
    }

    [Fact]
    public void Run_ChurnWithRefusals_EveryServerThatWasPresentServesAndRefusalsAreRetried()
    {
        var workload = Workload.Parse("""
            { "name": "churn", "durationSeconds": 6, "warmupSeconds": 0.5, "callers": 3, "concurrency": 6,
              "servers": [ { "capacity": 2, "queueLimit": 3 }, { "capacity": 2, "leaveAtSeconds": 3 },
                           { "capacity": 2, "joinAtSeconds": 2 } ] }
            """);

        var result = new Simulation(workload, LoadBalancingPolicies.Default).Run();

        Assert.All(result.Servers, s => Assert.True(s.Calls > 0, $"{s.Name} served nothing"));
        Assert.True(result.Refusals > 0);
        Assert.Equal(0, result.WindowCounts.Skip(15).Sum(w => w[1]));
    }

    [Fact]
    public void Run_Stall_FrozenServerFinishesNothingWhileFrozenAndCallsPastDeadlineAreAbandoned()
    {
        var workload = Workload.Parse("""
            { "name": "stall", "durationSeconds": 6, "warmupSeconds": 0.5, "callers": 2, "arrivalRate": 400, "deadlineMs": 300,
              "servers": [ { "capacity": 2 }, { "capacity": 2, "stalls": [ { "atSeconds": 2, "untilSeconds": 4 } ] } ] }
            """);

        var result = new Simulation(workload, LoadBalancingPolicies.RoundRobin).Run();

        // Windows of 250 ms: 2 s to 4 s are windows 8 to 15; the frozen server completes nothing in them.
        Assert.Equal(0, result.WindowCounts.Skip(8).Take(8).Sum(w => w[1]));
        Assert.True(result.WindowCounts.Skip(16).Sum(w => w[1]) > 0, "the server works again after the stall");
        Assert.True(result.DeadlineExceeded > 0, "calls stuck on the frozen server miss their deadline");
        Assert.True(result.SuccessRatio < 1);
    }

    [Fact]
    public void Run_OpenLoopWithBurst_ArrivalRateFollowsTheScheduleAndReplaysPerSeed()
    {
        var workload = Workload.Parse("""
            { "name": "burst", "durationSeconds": 10, "warmupSeconds": 0, "callers": 3, "arrivalRate": 300,
              "bursts": { "everySeconds": 10, "durationSeconds": 2, "factor": 3, "startSeconds": 5 },
              "servers": [ { "capacity": 8 }, { "capacity": 8 } ] }
            """);

        var first = new Simulation(workload, LoadBalancingPolicies.Default).Run();
        var second = new Simulation(workload, LoadBalancingPolicies.Default).Run();
        long Calls(SimResult r, int from, int to) => r.WindowCounts.Skip(from).Take(to - from).Sum(w => w.Sum());

        // 8 s at 300/s and 2 s at 900/s: 4,200 calls, within a few standard deviations.
        Assert.InRange(first.Completed, 4000, 4400);
        Assert.InRange(Calls(first, 20, 28) / 2.0, 800, 1000);
        Assert.InRange(Calls(first, 0, 20) / 5.0, 260, 340);
        Assert.Equal(first.Servers.Select(s => s.Calls), second.Servers.Select(s => s.Calls));
    }

    [Fact]
    public void Run_DrainAndRejoinWithMembershipJitter_OldProcessStopsAndNewOneServes()
    {
        var workload = Workload.Parse("""
            { "name": "rejoin", "durationSeconds": 10, "warmupSeconds": 0, "callers": 4, "arrivalRate": 400, "deadlineMs": 1000,
              "membershipJitterMs": 500,
              "servers": [ { "capacity": 4 }, { "capacity": 4, "leaveAtSeconds": 3, "rejoinAtSeconds": 6 } ] }
            """);

        var result = new Simulation(workload, LoadBalancingPolicies.Default).Run();

        // Draining from 3 s, exited 1 s later; back at 6 s and heard by every caller within 0.5 s.
        Assert.Equal(0, result.WindowCounts.Skip(18).Take(6).Sum(w => w[1]));
        Assert.True(result.WindowCounts.Skip(28).Sum(w => w[1]) > 0, "the new process serves");
        Assert.True(result.SuccessRatio > 0.999, $"{result.SuccessRatio:P3}");
    }
}
