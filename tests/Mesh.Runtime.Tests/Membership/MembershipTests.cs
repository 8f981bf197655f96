using Mesh.Calls;
using Mesh.Membership;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Membership;

public sealed class MembershipTests
{
    [Fact]
    public async Task Discovery_PeersJoinTurnUnreadyAndLeave_CallsFollowTheLatestSet()
    {
        await using var n1 = await TestNode.StartAsync("node-1");
        await using var n2 = await TestNode.StartAsync("node-2");
        var discovery = new TestDiscovery();
        using var client = await StartClientAsync(discovery);
        var directory = client.Services.GetRequiredService<PeerDirectory>();
        var service = client.Services.GetRequiredService<ITestService>();

        discovery.Publish(Peer(n1));
        await directory.WaitAsync(links => links.Count == 1, CancellationToken.None).WaitAsync(TestCluster.Bound);
        Assert.Equal(["node-1"], await ServedBy(service, 20));

        discovery.Publish(Peer(n1), Peer(n2));
        await directory.WaitAsync(links => links.Count == 2, CancellationToken.None).WaitAsync(TestCluster.Bound);
        Assert.Equal(["node-1", "node-2"], await ServedBy(service, 20));

        // node-2 terminating but still serving: linked, used only if no ready peer is left.
        discovery.Publish(Peer(n1), Peer(n2, ready: false));
        await directory.WaitAsync(links => links.Count(l => !l.Stats.IsReady) == 1, CancellationToken.None).WaitAsync(TestCluster.Bound);
        Assert.Equal(["node-1"], await ServedBy(service, 20));

        discovery.Publish(Peer(n1, ready: false), Peer(n2, ready: false));
        await directory.WaitAsync(links => links.Count(l => !l.Stats.IsReady) == 2, CancellationToken.None).WaitAsync(TestCluster.Bound);
        Assert.Equal(["node-1", "node-2"], await ServedBy(service, 20));

        // node-1 leaves the set: its link drains and closes; everything goes to node-2.
        discovery.Publish(Peer(n2));
        await directory.WaitAsync(links => links.Count == 1 && links[0].PeerNodeId == "node-2", CancellationToken.None).WaitAsync(TestCluster.Bound);
        Assert.Equal(["node-2"], await ServedBy(service, 20));

        await client.StopAsync().WaitAsync(TestCluster.Bound);
    }

    private static DiscoveredPeer Peer(TestNode node, bool ready = true) => new("127.0.0.1", node.EndPoint.Port, ready);

    private static async Task<string[]> ServedBy(ITestService service, int calls)
    {
        var replies = await Task.WhenAll(Enumerable.Range(0, calls).Select(i => service.Echo(i))).WaitAsync(TestCluster.Bound);
        return [.. replies.Select(r => r.NodeId).Distinct().Order()];
    }

    private static async Task<IHost> StartClientAsync(TestDiscovery discovery)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IPeerDiscovery>(discovery);
        builder.Services.AddTestMesh(o => o.NodeId = "client").AddClient<ITestService>();
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TestCluster.Bound);
        return host;
    }
}
