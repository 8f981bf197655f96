using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Mesh.Balancing;
using Mesh.Calls;
using Mesh.Diagnostics;
using Mesh.Hosting;
using Mesh.Membership;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Membership;

public sealed class LinkSelectionTests
{
    [Fact]
    public async Task Discovery_PeersHostingOnlyServicesThisNodeDoesNotCall_LinkedOnceToLearnThenDropped()
    {
        await using var a = await TestNode.StartAsync("a");
        await using var b = await TestNode.StartAsync("b");
        using var other = await StartHostAsync("other", "127.0.0.1:0", mesh => mesh.AddService<IVersionedServiceV1, VersionedServiceV1>(), new TestDiscovery());
        var otherEndPoint = other.Services.GetRequiredService<IMeshNode>().ListenEndPoint!;
        var discovery = new TestDiscovery();
        using var caller = await StartHostAsync("caller", null, mesh => mesh.AddClient<ITestService>(), discovery);
        var links = Links(caller);

        discovery.Publish(Peer(a.EndPoint), Peer(b.EndPoint), Peer(otherEndPoint));
        await caller.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync<ITestService>(2).WaitAsync(TestCluster.Bound);
        await links.WaitForSlotsAsync(slots => slots.Count == 2, CancellationToken.None).WaitAsync(TestCluster.Bound);

        Assert.Equal(["a", "b"], caller.Services.GetRequiredService<IMeshNode>().Peers.Select(p => p.NodeId).Order());
        Assert.DoesNotContain(Peer(otherEndPoint).Address, links.Wanted().Keys);
        await caller.StopAsync().WaitAsync(TestCluster.Bound);
        await other.StopAsync().WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Discovery_FortyNodesPastTheThreshold_EveryNodeLinksToItsApertureAndKeepsIt()
    {
        const int Nodes = 40;
        const int Floor = 4;
        var discoveries = Enumerable.Range(0, Nodes).Select(_ => new TestDiscovery()).ToArray();
        var hosts = new List<IHost>();
        try
        {
            for (var i = 0; i < Nodes; i++)
            {
                hosts.Add(await StartHostAsync(
                    $"n{i:00}",
                    $"127.0.1.{i + 1}:0",
                    mesh => mesh.AddService<ITestService, TestService>().AddClient<ITestService>(),
                    discoveries[i],
                    options =>
                    {
                        options.ApertureThreshold = 8;
                        options.ApertureMinPeers = Floor;
                    }));
            }

            // Every handshake a node makes as a caller, counted on these 40 nodes' own meters.
            var meters = hosts.Select(h => h.Services.GetRequiredService<MeshMetrics>().Meter).ToHashSet();
            long handshakes = 0;
            using var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (meters.Contains(instrument.Meter) && instrument.Name == "mesh.link.connects")
                    {
                        l.EnableMeasurementEvents(instrument);
                    }
                },
            };
            listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "mesh.link.role" && (string?)tag.Value == "client")
                    {
                        Interlocked.Add(ref handshakes, value);
                    }
                }
            });
            listener.Start();

            var peers = hosts.Select(h => Peer(h.Services.GetRequiredService<IMeshNode>().ListenEndPoint!)).ToArray();
            var ring = peers.Select(p => p.Address).Order(StringComparer.Ordinal).ToArray();
            foreach (var discovery in discoveries)
            {
                discovery.Publish(peers);
            }

            var expected = new Dictionary<IHost, string[]>();
            foreach (var (host, peer) in hosts.Zip(peers))
            {
                var index = Array.IndexOf(ring, peer.Address);
                expected[host] = [.. ApertureRing.Window(index, Nodes, Nodes, Floor).Select(j => ring[j]).Order(StringComparer.Ordinal)];
            }

            // Reach: every node links to exactly its window. Peers not known yet count as hosts, so no node handshakes
            // outside its window to learn what a peer hosts: 40 x 4 handshakes in all, not 40 x 40.
            foreach (var host in hosts)
            {
                var want = expected[host];
                await Links(host).WaitForSlotsAsync(slots => slots.Order(StringComparer.Ordinal).SequenceEqual(want), CancellationToken.None).WaitAsync(TestCluster.Bound);
                await host.Services.GetRequiredService<PeerDirectory>().WaitAsync(links => links.Count == Floor, CancellationToken.None).WaitAsync(TestCluster.Bound);
            }

            // Keep: calls from every node land only inside its window, and the links stay as they were.
            foreach (var host in hosts)
            {
                var service = host.Services.GetRequiredService<ITestService>();
                var servedBy = (await Task.WhenAll(Enumerable.Range(0, 20).Select(v => service.Echo(v))).WaitAsync(TestCluster.Bound)).Select(r => r.NodeId).ToHashSet();
                var window = host.Services.GetRequiredService<PeerDirectory>().Links.Select(l => l.PeerNodeId).ToHashSet();
                Assert.Subset(window, servedBy);
            }

            Assert.All(hosts, host => Assert.Equal(expected[host], Links(host).Wanted().Keys.Order(StringComparer.Ordinal)));
            var linksPerNode = hosts.Select(h => h.Services.GetRequiredService<PeerDirectory>().Count).ToArray();
            Assert.All(linksPerNode, count => Assert.Equal(Floor, count));
            var inbound = hosts.SelectMany(h => h.Services.GetRequiredService<PeerDirectory>().Links.Select(l => l.PeerNodeId)).GroupBy(id => id).ToArray();
            Assert.Equal(Nodes, inbound.Length);
            Assert.All(inbound, g => Assert.Equal(Floor, g.Count()));
            Assert.Equal(Nodes * Floor, Interlocked.Read(ref handshakes));
        }
        finally
        {
            await Task.WhenAll(hosts.Select(h => h.StopAsync())).WaitAsync(TestCluster.Bound);
            hosts.ForEach(h => h.Dispose());
        }
    }

    [Fact]
    public async Task Discovery_PastTheThresholdPeersOfAnotherServiceAmongTheHosts_LearnedAndSkippedUntilTheApertureHoldsOnlyHosts()
    {
        const int Each = 12;
        const int Floor = 4;
        var hosts = new List<IHost>();
        try
        {
            for (var i = 0; i < 2 * Each; i++)
            {
                // Interleaved on the ring: even addresses host the called service, odd ones another.
                hosts.Add(await StartHostAsync(
                    $"n{i:00}",
                    $"127.0.2.{i + 1}:0",
                    i % 2 == 0 ? mesh => mesh.AddService<ITestService, TestService>() : mesh => mesh.AddService<IVersionedServiceV1, VersionedServiceV1>(),
                    new TestDiscovery()));
            }

            var discovery = new TestDiscovery();
            using var caller = await StartHostAsync("caller", null, mesh => mesh.AddClient<ITestService>(), discovery, options =>
            {
                options.ApertureThreshold = 8;
                options.ApertureMinPeers = Floor;
            });
            var endPoints = hosts.Select(h => h.Services.GetRequiredService<IMeshNode>().ListenEndPoint!).ToArray();
            var serving = endPoints.Where((_, i) => i % 2 == 0).Select(e => Peer(e).Address).ToHashSet();
            var links = Links(caller);
            discovery.Publish([.. endPoints.Select(Peer)]);

            // The first window holds peers of the other service too; each is linked once, learned and dropped, and the
            // window moves on until it holds only hosts, at least the floor of them, and stays so.
            await links.WaitForSlotsAsync(slots => slots.Count >= Floor && slots.All(serving.Contains) && links.Wanted().Keys.All(serving.Contains), CancellationToken.None).WaitAsync(TestCluster.Bound);
            var node = caller.Services.GetRequiredService<IMeshNode>();
            await node.WaitForPeersAsync<ITestService>(Floor).WaitAsync(TestCluster.Bound);
            Assert.All(node.Peers, p => Assert.Equal(0, int.Parse(p.NodeId[1..], System.Globalization.CultureInfo.InvariantCulture) % 2));
            Assert.InRange(links.Wanted().Count, Floor, Each - 1);
            var servedBy = (await Task.WhenAll(Enumerable.Range(0, 20).Select(v => caller.Services.GetRequiredService<ITestService>().Echo(v))).WaitAsync(TestCluster.Bound)).Select(r => r.NodeId).ToHashSet();
            Assert.Subset(node.Peers.Select(p => p.NodeId).ToHashSet(), servedBy);
            await caller.StopAsync().WaitAsync(TestCluster.Bound);
        }
        finally
        {
            await Task.WhenAll(hosts.Select(h => h.StopAsync())).WaitAsync(TestCluster.Bound);
            hosts.ForEach(h => h.Dispose());
        }
    }

    [Fact]
    public async Task Connect_ManyPeersThatNeverAnswer_AtMostMaxLinkAttemptsInProgressAtOnce()
    {
        const int Limit = 2;
        var listeners = Enumerable.Range(0, 6).Select(_ =>
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(16);
            return listener;
        }).ToArray();
        var discovery = new TestDiscovery();
        using var caller = await StartHostAsync("caller", null, mesh => mesh.AddClient<ITestService>(), discovery, options =>
        {
            options.MaxLinkAttemptsInProgress = Limit;
            options.HandshakeTimeout = TimeSpan.FromMinutes(5);
        });
        try
        {
            var accepts = listeners.Select(l => l.AcceptAsync()).ToList();
            discovery.Publish([.. listeners.Select(l => Peer((IPEndPoint)l.LocalEndPoint!))]);

            // Each attempt hangs in its handshake until the test closes the connection it accepted; only then may the
            // next peer's attempt start. Every peer gets its attempt, never more than Limit at once.
            var open = new List<Socket>();
            var served = 0;
            while (served < listeners.Length)
            {
                var accepted = await Task.WhenAny(accepts).WaitAsync(TestCluster.Bound);
                accepts.Remove(accepted);
                open.Add(await accepted);
                served++;
                Assert.True(open.Count <= Limit, $"{open.Count} attempts in progress");
                if (open.Count == Limit || accepts.Count == 0)
                {
                    open[0].Dispose();
                    open.RemoveAt(0);
                }
            }

            open.ForEach(s => s.Dispose());
        }
        finally
        {
            await caller.StopAsync().WaitAsync(TestCluster.Bound);
            Array.ForEach(listeners, l => l.Dispose());
        }
    }

    private static PeerLinks Links(IHost host) => ((MeshNode)host.Services.GetRequiredService<IMeshNode>()).Links;

    private static DiscoveredPeer Peer(IPEndPoint endPoint) => new(endPoint.Address.ToString(), endPoint.Port);

    private static async Task<IHost> StartHostAsync(string nodeId, string? listen, Action<IMeshBuilder> configure, TestDiscovery discovery, Action<MeshOptions>? options = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<NodeProbe>();
        builder.Services.AddSingleton<IPeerDiscovery>(discovery);
        var mesh = builder.Services.AddTestMesh(o =>
        {
            o.NodeId = nodeId;
            o.ListenEndpoint = listen;
            o.ReconnectMaxBackoff = TimeSpan.FromMilliseconds(500);
            o.ShutdownGracePeriod = TimeSpan.FromSeconds(5);
            options?.Invoke(o);
        });
        configure(mesh);
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TestCluster.Bound);
        return host;
    }
}
