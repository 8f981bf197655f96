namespace Mesh.Balancing.Simulator.Tests;

public sealed class ApertureScaleTests
{
    [Fact]
    public void Run_ThousandServersThousandCallersThroughAnAperture_EvenLoadAndFewLinks()
    {
        var result = new Simulation(Scale.Create(servers: 1000, callers: 1000, seconds: 3, aperture: 12), LoadBalancingPolicies.Default).Run();

        var links = result.Links!;
        Assert.True(result.MaxMeanCalls <= 1.2, $"calls served max/mean {result.MaxMeanCalls:0.000}");
        Assert.True(result.MaxMeanUtilisation <= 1.2, $"utilisation max/mean {result.MaxMeanUtilisation:0.000}");
        // Two calls in flight over at least 12 peers: the aperture stays at its floor, and every server gets its share.
        Assert.Equal(12, links.PerCallerMax);
        Assert.InRange(links.PerServerMax, 1, 24);
        Assert.Equal(12_000, links.Total);
        Assert.All(result.Servers, s => Assert.True(s.Calls > 0, $"{s.Name} served nothing"));
        Assert.True(result.SuccessRatio == 1, $"success ratio {result.SuccessRatio}");
    }

    [Fact]
    public void Run_FullMeshAgainstAperture_SameThroughputWithATenthOfTheLinks()
    {
        var mesh = new Simulation(Scale.Create(servers: 120, callers: 120, seconds: 3), LoadBalancingPolicies.Default).Run();
        var aperture = new Simulation(Scale.Create(servers: 120, callers: 120, seconds: 3, aperture: 12), LoadBalancingPolicies.Default).Run();

        Assert.Equal(120 * 120, mesh.Links!.Total);
        Assert.Equal(120 * 12, aperture.Links!.Total);
        Assert.True(aperture.Links.ReportsPerSecond * 10 <= mesh.Links.ReportsPerSecond * 1.01, $"{aperture.Links.ReportsPerSecond} vs {mesh.Links.ReportsPerSecond} reports/s");
        Assert.InRange(aperture.Throughput / mesh.Throughput, 0.95, 1.05);
        Assert.True(aperture.MaxMeanCalls <= 1.2, $"calls served max/mean {aperture.MaxMeanCalls:0.000}");
    }

    [Fact]
    public void Run_CallersKeepManyCallsInFlight_ApertureGrowsPastItsFloor()
    {
        var idle = new Simulation(Scale.Create(servers: 100, callers: 10, seconds: 3, aperture: 4), LoadBalancingPolicies.Default).Run();
        var busy = new Simulation(Scale.Create(servers: 100, callers: 10, seconds: 3, aperture: 4) with { Concurrency = 100 }, LoadBalancingPolicies.Default).Run();

        // Ten callers cover 100 servers evenly with windows of 10 (one tile each); two calls in flight keep it there.
        Assert.Equal(10, idle.Links!.PerCallerMax);
        // A hundred in flight is ten per peer (past 8): the aperture grows to about 100 / 4 = 25 peers, three tiles of 10.
        Assert.Equal(30, busy.Links!.PerCallerMax);
        Assert.True(busy.MaxMeanCalls <= 1.2, $"calls served max/mean {busy.MaxMeanCalls:0.000}");
    }

    [Fact]
    public void Validate_ApertureBelowOne_FailsNamingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => Scale.Create(servers: 4, callers: 4, aperture: 0).Validate());

        Assert.Contains("aperture", ex.Message, StringComparison.Ordinal);
    }
}
