using Mesh.Balancing;
using Mesh.Membership;
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
