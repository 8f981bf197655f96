using Mesh.Balancing;
using Mesh.Invocation;
using Mesh.Membership;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Calls;

/// <summary>Keyed calls across nodes on loopback: ownership, and which keys move when a node joins, drains or leaves.</summary>
public sealed class KeyedRoutingTests
{
    private const int Keys = 300;
    private static readonly string ServiceName = MeshServiceRegistry.Get<IKeyedTestService>().Name;

    [Fact]
    public async Task Call_SameKey_AlwaysTheNodeThatOwnsIt()
    {
        await using var cluster = await KeyedCluster.StartAsync(4);
        var (nodes, discovery, client) = (cluster.Nodes, cluster.Discovery, cluster.Client);
        discovery.Publish([.. nodes.Select(Peer)]);
        await WaitForAsync(client, 4);
        var service = client.Services.GetRequiredService<IKeyedTestService>();
        var ring = KeyRing.Build([.. nodes.Select(n => n.NodeId)]);

        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < Keys; i++)
            {
                var key = $"cart-{i}";
                Assert.Equal(nodes[ring.Owner(MeshKey.Hash(key))].NodeId, await service.Owner(key));
                Assert.Equal(nodes[ring.Owner(MeshKey.Hash((long)i))].NodeId, await service.OwnerOf(i));
            }
        }

        // Every node owns some of 300 keys.
        var owners = await OwnersAsync(service);
        Assert.Equal(nodes.Select(n => n.NodeId).Order(), owners.Distinct().Order());
    }

    [Fact]
    public async Task Call_NodeJoins_OnlyTheKeysItOwnsMoveAllToIt()
    {
        await using var cluster = await KeyedCluster.StartAsync(4);
        var (nodes, discovery, client) = (cluster.Nodes, cluster.Discovery, cluster.Client);
        discovery.Publish([.. nodes.Take(3).Select(Peer)]);
        await WaitForAsync(client, 3);
        var service = client.Services.GetRequiredService<IKeyedTestService>();
        var before = await OwnersAsync(service);

        discovery.Publish([.. nodes.Select(Peer)]);
        await WaitForAsync(client, 4);
        var after = await OwnersAsync(service);

        var moved = Enumerable.Range(0, Keys).Where(i => before[i] != after[i]).ToList();
        Assert.All(moved, i => Assert.Equal(nodes[3].NodeId, after[i]));
        Assert.InRange(moved.Count, Keys / 4 / 2, Keys / 4 * 2);
    }

    [Fact]
    public async Task Call_NodeLeavesDiscovery_OnlyItsKeysMoveEachToItsNextOwner()
    {
        await using var cluster = await KeyedCluster.StartAsync(4);
        var (nodes, discovery, client) = (cluster.Nodes, cluster.Discovery, cluster.Client);
        discovery.Publish([.. nodes.Select(Peer)]);
        await WaitForAsync(client, 4);
        var service = client.Services.GetRequiredService<IKeyedTestService>();
        var before = await OwnersAsync(service);
        var leaving = nodes[2];

        discovery.Publish([.. nodes.Where(n => n != leaving).Select(Peer)]);
        await client.Services.GetRequiredService<IMeshNode>()
            .WaitForPeersAsync(peers => peers.All(p => p.NodeId != leaving.NodeId), CancellationToken.None)
            .WaitAsync(TestCluster.Bound);
        var after = await OwnersAsync(service);

        var remaining = nodes.Where(n => n != leaving).Select(n => n.NodeId).ToArray();
        var ring = KeyRing.Build(remaining);
        var moved = 0;
        for (var i = 0; i < Keys; i++)
        {
            Assert.Equal(remaining[ring.Owner(MeshKey.Hash($"cart-{i}"))], after[i]);
            if (before[i] != after[i])
            {
                Assert.Equal(leaving.NodeId, before[i]);
                moved++;
            }
        }

        Assert.Equal(before.Count(owner => owner == leaving.NodeId), moved);
    }

    [Fact]
    public async Task Call_NodeDrains_ItsKeysMoveBeforeItLeavesAndNoOtherKeyMoves()
    {
        await using var cluster = await KeyedCluster.StartAsync(4);
        var (nodes, discovery, client) = (cluster.Nodes, cluster.Discovery, cluster.Client);
        using var hold = new CancellationTokenSource();
        try
        {
            discovery.Publish([.. nodes.Select(Peer)]);
            await WaitForAsync(client, 4);
            var service = client.Services.GetRequiredService<IKeyedTestService>();
            var before = await OwnersAsync(service);
            var draining = nodes[1];

            // A call in flight (to a key the draining node owns) keeps it running, within its grace period, after it
            // told its callers it drains.
            var heldKey = Enumerable.Range(0, Keys).Select(i => $"cart-{i}").First(key => before[int.Parse(key[5..], System.Globalization.CultureInfo.InvariantCulture)] == draining.NodeId);
            var held = service.Hold(heldKey, hold.Token);
            await draining.Probe.StartedFor(heldKey).Task.WaitAsync(TestCluster.Bound);
            draining.Host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
            await client.Services.GetRequiredService<IMeshNode>()
                .WaitForPeersAsync(peers => peers.All(p => p.NodeId != draining.NodeId), CancellationToken.None)
                .WaitAsync(TestCluster.Bound);

            var during = await OwnersAsync(service);
            Assert.Equal(MeshNodeState.Draining, draining.Host.Services.GetRequiredService<IMeshNode>().State);
            var remaining = nodes.Where(n => n != draining).Select(n => n.NodeId).ToArray();
            var ring = KeyRing.Build(remaining);
            for (var i = 0; i < Keys; i++)
            {
                Assert.Equal(remaining[ring.Owner(MeshKey.Hash($"cart-{i}"))], during[i]);
                if (before[i] != draining.NodeId)
                {
                    Assert.Equal(before[i], during[i]);
                }
            }

            // Once it has left, nothing moves again.
            await hold.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);
            await draining.StopAsync();
            Assert.Equal(during, await OwnersAsync(service));
        }
        finally
        {
            // The held call ends before the cluster stops.
            await hold.CancelAsync();
        }
    }

    [Fact]
    public async Task Call_NullStringKey_FailsWithArgumentNullException()
    {
        await using var cluster = await KeyedCluster.StartAsync(1);
        var (nodes, discovery, client) = (cluster.Nodes, cluster.Discovery, cluster.Client);
        discovery.Publish(Peer(nodes[0]));
        await WaitForAsync(client, 1);

        await Assert.ThrowsAsync<ArgumentNullException>(() => client.Services.GetRequiredService<IKeyedTestService>().Owner(null!));
    }

    private static async Task<string[]> OwnersAsync(IKeyedTestService service)
    {
        var owners = new string[Keys];
        for (var i = 0; i < Keys; i++)
        {
            owners[i] = await service.Owner($"cart-{i}");
        }

        return owners;
    }

    /// <summary>Nodes hosting <see cref="IKeyedTestService"/> and a client whose discovery the test publishes; stops them all.</summary>
    private sealed class KeyedCluster : IAsyncDisposable
    {
        private KeyedCluster(List<TestNode> nodes, TestDiscovery discovery, IHost client) => (Nodes, Discovery, Client) = (nodes, discovery, client);

        public List<TestNode> Nodes { get; }

        public TestDiscovery Discovery { get; }

        public IHost Client { get; }

        public static async Task<KeyedCluster> StartAsync(int nodes)
        {
            var started = new List<TestNode>();
            try
            {
                for (var i = 0; i < nodes; i++)
                {
                    started.Add(await TestNode.StartAsync($"node-{i + 1}", mesh => mesh.AddService<IKeyedTestService, KeyedTestService>()));
                }

                var discovery = new TestDiscovery();
                return new KeyedCluster(started, discovery, await StartClientAsync(discovery));
            }
            catch
            {
                foreach (var node in started)
                {
                    await node.DisposeAsync();
                }

                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Client.StopAsync().WaitAsync(TestCluster.Bound);
            Client.Dispose();
            foreach (var node in Nodes)
            {
                await node.DisposeAsync();
            }
        }

        private static async Task<IHost> StartClientAsync(TestDiscovery discovery)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Services.AddTestMesh(options =>
                {
                    options.NodeId = "client";
                    // Keys a joining node takes over arrive gradually under slow start (KeyedHashingTests covers the ramp);
                    // here a joiner takes its keys at once, so the test sees the final ownership.
                    options.SlowStartWindow = TimeSpan.Zero;
                })
                .AddClient<IKeyedTestService>()
                .Services.AddSingleton<IPeerDiscovery>(discovery);
            var host = builder.Build();
            await host.StartAsync().WaitAsync(TestCluster.Bound);
            return host;
        }
    }

    private static Task WaitForAsync(IHost client, int peers)
        => client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(ServiceName, peers, CancellationToken.None).WaitAsync(TestCluster.Bound);

    private static DiscoveredPeer Peer(TestNode node) => new("127.0.0.1", node.EndPoint.Port);
}
