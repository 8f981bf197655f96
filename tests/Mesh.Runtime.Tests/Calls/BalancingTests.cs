using Mesh.Runtime.Tests.TestServices;
using Xunit.Abstractions;

namespace Mesh.Runtime.Tests.Calls;

[Collection(IsolatedCollection.Name)]
public sealed class BalancingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Echo_ThreeNodes3000ConcurrentCalls_EveryNodeServesAThird()
    {
        // Round-robin: this checks the links and the per-call pick. The load-aware default follows measured
        // latency, and inside a busy test run one in-process node's threads stall for about as long as the whole
        // burst, so its share is a property of the machine; the default's shares are asserted out of process
        // (QuickstartTests) and in the deterministic simulator.
        await using var cluster = await TestCluster.StartAsync(
            servers: 3,
            configureClient: o => o.LoadBalancingPolicy = Mesh.Balancing.LoadBalancingPolicies.RoundRobin);
        var service = cluster.ClientService<ITestService>();

        var replies = await Task.WhenAll(Enumerable.Range(0, 3000).Select(i => service.Echo(i))).WaitAsync(TestCluster.Bound);

        for (var i = 0; i < replies.Length; i++)
        {
            Assert.Equal(i, replies[i].Value);
        }

        var byNode = replies.GroupBy(r => r.NodeId).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, byNode.Count);
        output.WriteLine(string.Join(", ", cluster.Servers.Select(n => $"{n.NodeId} {n.Probe.Served / 3000.0:0.000}")));
        foreach (var node in cluster.Servers)
        {
            Assert.Equal(node.Probe.Served, byNode[node.NodeId]);
            var share = node.Probe.Served / 3000.0;
            Assert.InRange(share, 0.30, 0.37);
        }
    }

    [Fact]
    public async Task Add_ValueTaskWithSeveralArguments_ReturnsResult()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        var service = cluster.ClientService<ITestService>();

        Assert.Equal(5, await service.Add(2, 3));
    }
}
