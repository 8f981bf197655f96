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
}
