using Mesh.Balancing;
using Mesh.Calls;
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
        using var stop = new CancellationTokenSource();
        var blocked = service.Block("hold", stop.Token);
        await probe.StartedFor("hold").Task.WaitAsync(TestCluster.Bound);

        var ex = await Assert.ThrowsAsync<CallRefusedException>(() => service.Echo(1).WaitAsync(TestCluster.Bound));

        Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, probe.Served);
        Assert.Equal(1, link.Stats.RefusedTotal);
        Assert.Equal(1, link.Stats.Outstanding); // the held call only
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.WaitAsync(TestCluster.Bound));
        await probe.CancelledFor("hold").Task.WaitAsync(TestCluster.Bound);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public async Task Echo_EveryPeerOverloaded_FailsWithPublicCallRefusedException(int servers)
    {
        // Round-robin offers the call to every busy node in turn; with three or more the router runs out of
        // attempts rather than peers, and the caller must still see the public type that says "refused".
        await using var cluster = await TestCluster.StartAsync(
            servers: servers,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxConcurrentCalls = 1),
            configureClient: o => o.LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin);
        var service = cluster.ClientService<ITestService>();
        using var stop = new CancellationTokenSource();
        var blocked = new List<Task>();
        for (var i = 0; i < servers; i++)
        {
            blocked.Add(service.Block("hold-" + i, stop.Token));
        }

        for (var i = 0; i < servers; i++)
        {
            await Task.WhenAny(cluster.Servers.Select(s => s.Probe.StartedFor("hold-" + i).Task)).Unwrap().WaitAsync(TestCluster.Bound);
        }

        var ex = await Assert.ThrowsAsync<CallRefusedException>(() => service.Echo(1).WaitAsync(TestCluster.Bound));

        Assert.True(ex.GetType().IsPublic);
        Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
        Assert.All(cluster.Servers, s => Assert.Equal(0, s.Probe.Served));
        Assert.All(cluster.ClientService<PeerDirectory>().Links, l => Assert.Equal(1, l.Stats.Outstanding));
        await stop.CancelAsync();
        foreach (var call in blocked)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TestCluster.Bound));
        }
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
        Assert.True(links.Single(l => l.PeerNodeId == busy.NodeId).Stats.RefusedTotal >= 1);
        Assert.Equal(0, links.Single(l => l.PeerNodeId == free.NodeId).Stats.RefusedTotal);
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
