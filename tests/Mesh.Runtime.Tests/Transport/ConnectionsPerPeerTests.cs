using Mesh.Calls;
using Mesh.Runtime.Tests.TestServices;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Transport;

/// <summary><see cref="MeshOptions.ConnectionsPerPeer"/>: several links to one peer, seen as one peer, calls spread over them.</summary>
public sealed class ConnectionsPerPeerTests
{
    [Fact]
    public async Task Calls_ThreeConnectionsToOnePeer_SpreadOverAllThreeAndThePeerCountsOnce()
    {
        using var peer = new FakeServicePeer();
        var starting = peer.StartClientAsync(o => o.ConnectionsPerPeer = 3);
        var raws = new List<RawPeer>();
        for (var i = 0; i < 3; i++)
        {
            raws.Add(await peer.AcceptAsync("fake"));
        }

        using var client = await starting;
        var node = client.Services.GetRequiredService<IMeshNode>();
        var directory = client.Services.GetRequiredService<PeerDirectory>();
        await directory.WaitAsync(_ => directory.LinkCount == 3, CancellationToken.None).WaitAsync(TestCluster.Bound);
        var service = client.Services.GetRequiredService<ITestService>();
        try
        {
            // The fake answers nothing, so calls stay in flight and each goes to the connection with the fewest.
            var calls = Enumerable.Range(0, 30).Select(i => service.Echo(i)).ToList();
            var received = await Task.WhenAll(raws.Select(async raw =>
            {
                var count = 0;
                using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                try
                {
                    while (true)
                    {
                        var (header, _) = await raw.ReadCallFrameAsync().WaitAsync(quiet.Token);
                        Assert.Equal(FrameKind.Request, header.Kind);
                        count++;
                        if (count == 10)
                        {
                            return count;
                        }
                    }
                }
                catch (OperationCanceledException)
                {
                    return count;
                }
            }));

            Assert.Equal([10, 10, 10], received);
            Assert.Single(node.Peers);

            // Every connection to the peer closes: each call fails as peer-unavailable, none hangs.
            foreach (var raw in raws)
            {
                raw.Dispose();
            }

            foreach (var call in calls)
            {
                await Assert.ThrowsAsync<PeerUnavailableException>(() => call.WaitAsync(TestCluster.Bound));
            }
        }
        finally
        {
            foreach (var raw in raws)
            {
                raw.Dispose();
            }

            await client.StopAsync().WaitAsync(TestCluster.Bound);
        }
    }

    [Fact]
    public async Task Calls_FourConnectionsToEachOfTwoNodes_AllSucceedOnBothNodes()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 2, configureClient: o => o.ConnectionsPerPeer = 4);
        var node = cluster.Client.Services.GetRequiredService<IMeshNode>();
        var service = cluster.ClientService<ITestService>();
        var directory = cluster.Client.Services.GetRequiredService<PeerDirectory>();
        await directory.WaitAsync(_ => directory.LinkCount == 8, CancellationToken.None).WaitAsync(TestCluster.Bound);

        var replies = await Task.WhenAll(Enumerable.Range(0, 400).Select(i => service.Echo(i))).WaitAsync(TestCluster.Bound);

        Assert.Equal(Enumerable.Range(0, 400), replies.Select(r => r.Value));
        Assert.Equal(2, node.Peers.Count);

        Assert.All(cluster.Servers, server => Assert.True(server.Probe.Served > 0, $"{server.NodeId} served nothing"));
    }
}
