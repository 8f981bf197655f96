using Mesh.Calls;
using Mesh.Runtime.Tests.TestServices;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Streams;

public sealed class StreamTests
{
    [Fact]
    public async Task Stream_ManyItemsThroughSmallCredit_ArriveInOrderFromOneNode()
    {
        await using var cluster = await StreamCluster.StartAsync(2, client => client.StreamCreditItems = 16);

        var expected = 0;
        string? node = null;
        await foreach (var item in cluster.Streams.Count("order", 20_000, 0))
        {
            Assert.Equal(expected++, item.Index);
            node ??= item.NodeId;
            Assert.Equal(node, item.NodeId);
        }

        Assert.Equal(20_000, expected);
    }

    [Fact]
    public async Task Stream_EmptyStream_EndsWithoutItems()
    {
        await using var cluster = await StreamCluster.StartAsync(1);

        var items = await cluster.Streams.Count("empty", 0, 0).ToListAsync().AsTask().WaitAsync(TestCluster.Bound);

        Assert.Empty(items);
    }

    [Fact]
    public async Task Stream_ConsumerBreaks_ServerTokenFires()
    {
        await using var cluster = await StreamCluster.StartAsync(1);

        await foreach (var item in cluster.Streams.Count("break", -1, 8))
        {
            if (item.Index == 2)
            {
                break;
            }
        }

        await cluster.Probe(0).CancelledFor("break").Task.WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Stream_ConsumerTokenFires_ConsumerCancelledAndServerTokenFires()
    {
        await using var cluster = await StreamCluster.StartAsync(1);
        using var cancel = new CancellationTokenSource();
        await using var items = cluster.Streams.OneThenWait("token", cancel.Token).GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());

        var next = items.MoveNextAsync();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await next);
        await cluster.Probe(0).CancelledFor("token").Task.WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Stream_ServerThrows_ConsumerGetsItemsThenTypedException()
    {
        await using var cluster = await StreamCluster.StartAsync(1);
        var received = new List<int>();

        var error = await Assert.ThrowsAsync<RemoteInvocationException>(async () =>
        {
            await foreach (var item in cluster.Streams.FailAfter(2, "boom"))
            {
                received.Add(item);
            }
        });

        Assert.Equal([0, 1], received);
        Assert.Contains(nameof(InvalidOperationException), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_DeadlinePasses_DeadlineExceededAndServerTokenFires()
    {
        await using var cluster = await StreamCluster.StartAsync(1, client => client.DefaultDeadline = TimeSpan.FromMilliseconds(500));
        await using var items = cluster.Streams.OneThenWait("deadline").GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());

        await Assert.ThrowsAsync<DeadlineExceededException>(async () => await items.MoveNextAsync());
        await cluster.Probe(0).CancelledFor("deadline").Task.WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Stream_PeerWithoutStreamFeature_UnknownMethodAndUnaryStillWorks()
    {
        await using var cluster = await StreamCluster.StartAsync(1, configureServer: (_, server) => server.WireFeatures = Protocol.TraceContextFeature);

        var error = await Assert.ThrowsAsync<UnknownMethodException>(async () => await cluster.Streams.Count("old", 1, 0).ToListAsync());

        Assert.Contains("does not serve streams", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await cluster.Unary.Echo(3)).Value);
    }

    [Fact]
    public async Task Stream_OpenStreams_PickedByBalancerAndOutstandingWhileOpen()
    {
        await using var cluster = await StreamCluster.StartAsync(2);
        var client = cluster.Client.Services.GetRequiredService<IMeshNode>();
        var open = new List<IAsyncEnumerator<int>>();
        for (var i = 0; i < 6; i++)
        {
            var items = cluster.Streams.OneThenWait("open-" + i).GetAsyncEnumerator();
            Assert.True(await items.MoveNextAsync());
            open.Add(items);
        }

        var peers = client.GetPeerStatistics();
        Assert.Equal(6, peers.Sum(peer => peer.Outstanding));
        Assert.All(peers, peer => Assert.True(peer.Outstanding >= 1, $"{peer.NodeId} serves none of the 6 streams"));
        Assert.Equal(peers.Select(peer => peer.NodeId).Order(), open.Select(items => ((StreamEnumerator<int>)items).PeerNodeId).Distinct().Order());

        foreach (var items in open)
        {
            await items.DisposeAsync();
        }

        await StreamCluster.WaitUntil(() => client.GetPeerStatistics().Sum(peer => peer.Outstanding) == 0);
    }

    [Fact]
    public async Task Stream_EnumeratedTwice_Throws()
    {
        await using var cluster = await StreamCluster.StartAsync(1);
        var stream = cluster.Streams.Count("twice", 1, 0);
        Assert.Single(await stream.ToListAsync());

        Assert.Throws<InvalidOperationException>(() => stream.GetAsyncEnumerator());
    }
}
