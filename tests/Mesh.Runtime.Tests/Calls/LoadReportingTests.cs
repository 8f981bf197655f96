using Mesh.Balancing;
using Mesh.Calls;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Calls;

public sealed class LoadReportingTests
{
    [Fact]
    public async Task Echo_Response_CarriesServerReportToCallerStats()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 2, o => o.LoadReportInterval = TimeSpan.FromMinutes(1));
        var service = cluster.ClientService<ITestService>();

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => service.Echo(i))).WaitAsync(TestCluster.Bound);

        var links = cluster.Client.Services.GetRequiredService<PeerDirectory>().Links;
        Assert.All(links, link => Assert.True(link.Stats.HasReport, $"no report from {link.PeerNodeId}"));
        Assert.All(links, link => Assert.Equal(0, link.Stats.Outstanding));
    }

    [Fact]
    public async Task Calls_EndingEveryWay_LeaveNothingOutstandingAndCountTheRefusalOnce()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxConcurrentCalls = 1));
        var service = cluster.ClientService<ITestService>();
        var probe = cluster.Servers[0].Probe;
        var link = Assert.Single(cluster.Client.Services.GetRequiredService<PeerDirectory>().Links);

        await service.Echo(1).WaitAsync(TestCluster.Bound);
        await Assert.ThrowsAsync<RemoteInvocationException>(() => service.Fail("boom").WaitAsync(TestCluster.Bound));
        using (var stop = new CancellationTokenSource())
        {
            var blocked = service.Block("hold", stop.Token);
            await probe.StartedFor("hold").Task.WaitAsync(TestCluster.Bound);
            Assert.Equal(1, link.Stats.Outstanding);
            await Assert.ThrowsAsync<CallRefusedException>(() => service.Echo(2).WaitAsync(TestCluster.Bound));
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TestCluster.Bound));
        }

        Assert.Equal(0, link.Stats.Outstanding);
        Assert.Equal(0, link.Outstanding);
        Assert.Equal(1, link.Stats.RefusedTotal);
    }

    [Fact]
    public async Task Broadcast_IdleCaller_ReceivesPeriodicReports()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 2);
        var links = cluster.Client.Services.GetRequiredService<PeerDirectory>().Links;

        // No call is made: only the periodic broadcast (servers use the default interval) can deliver reports.
        using var bound = new CancellationTokenSource(TestCluster.Bound);
        while (!links.All(link => link.Stats.HasReport))
        {
            await Task.Delay(20, bound.Token);
        }

        Assert.All(links, link => Assert.Equal(0, link.Stats.ReportedLoad));
    }

    [Fact]
    public async Task Echo_ServicePolicyRoundRobin_EveryNodeServesExactlyAThird()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 3,
            o => o.ServiceLoadBalancingPolicies[TestCluster.ServiceName] = LoadBalancingPolicies.RoundRobin);
        var service = cluster.ClientService<ITestService>();

        await Task.WhenAll(Enumerable.Range(0, 3000).Select(i => service.Echo(i))).WaitAsync(TestCluster.Bound);

        Assert.All(cluster.Servers, node => Assert.Equal(1000, node.Probe.Served));
    }
}
