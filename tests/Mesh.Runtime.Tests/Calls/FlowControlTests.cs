using Mesh.Balancing;
using Mesh.Membership;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Calls;

public sealed class FlowControlTests
{
    [Fact]
    public async Task Echo_OnlyPeerAtItsConcurrencyCap_RefusedAsOverloadedWithoutRunning()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1, configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxConcurrentCalls = 1));
        var service = cluster.ClientService<ITestService>();
        var probe = cluster.Servers[0].Probe;
        var link = Assert.Single(cluster.ClientService<PeerDirectory>().Links);
        var refusals = 0;
        link.Overloaded += _ => Interlocked.Increment(ref refusals);
        using var stop = new CancellationTokenSource();
        var blocked = service.Block("hold", stop.Token);
        await probe.StartedFor("hold").Task.WaitAsync(TestCluster.Bound);

        var ex = await Assert.ThrowsAsync<PeerUnavailableException>(() => service.Echo(1).WaitAsync(TestCluster.Bound));

        Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, probe.Served);
        Assert.Equal(1, link.OverloadedCount);
        Assert.Equal(1, Volatile.Read(ref refusals));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TestCluster.Bound));
        await probe.CancelledFor("hold").Task.WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Echo_OnePeerOverloaded_RetriedAtOnceOnTheOther()
    {
        // Round-robin, so calls are offered to the busy node (the default policy would avoid it, seeing the
        // caller's own call outstanding there).
        await using var cluster = await TestCluster.StartAsync(
            servers: 2,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxConcurrentCalls = 1),
            configureClient: o => o.LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin);
        var service = cluster.ClientService<ITestService>();
        using var stop = new CancellationTokenSource();
        var blocked = service.Block("hold", stop.Token);
        var busy = await Task.WhenAny(cluster.Servers.Select(async s =>
        {
            await s.Probe.StartedFor("hold").Task;
            return s;
        })).Unwrap().WaitAsync(TestCluster.Bound);
        var free = cluster.Servers.Single(s => s != busy);

        // Round-robin sends one of any two consecutive calls to the busy node first.
        for (var i = 0; i < 4; i++)
        {
            var reply = await service.Echo(i).WaitAsync(TestCluster.Bound);
            Assert.Equal(free.NodeId, reply.NodeId);
        }

        var links = cluster.ClientService<PeerDirectory>().Links;
        Assert.True(links.Single(l => l.PeerNodeId == busy.NodeId).OverloadedCount >= 1);
        Assert.Equal(0, links.Single(l => l.PeerNodeId == free.NodeId).OverloadedCount);
        Assert.Equal(0, busy.Probe.Served);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task Echo_LinkAtItsInFlightCap_NotSentAndFailsClearly()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1, configureClient: o => o.MaxCallsInFlightPerLink = 1);
        var service = cluster.ClientService<ITestService>();
        var probe = cluster.Servers[0].Probe;
        using var stop = new CancellationTokenSource();
        var blocked = service.Block("hold", stop.Token);
        await probe.StartedFor("hold").Task.WaitAsync(TestCluster.Bound);

        await Assert.ThrowsAsync<PeerUnavailableException>(() => service.Echo(1).WaitAsync(TestCluster.Bound));

        Assert.Equal(0, probe.Served);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TestCluster.Bound));
        Assert.Equal(3, (await service.Echo(3).WaitAsync(TestCluster.Bound)).Value);
    }
}
