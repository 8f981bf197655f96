using Mesh.Calls;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Streams;

public sealed class StreamDrainTests
{
    [Fact]
    public async Task Stop_StreamOutlivesGracePeriod_EndsWithStreamInterruptedAndReopensElsewhere()
    {
        await using var cluster = await StreamCluster.StartAsync(2, configureServer: (_, server) => server.ShutdownGracePeriod = TimeSpan.FromMilliseconds(300));
        var items = (StreamEnumerator<int>)cluster.Streams.OneThenWait("drain").GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());
        var serving = cluster.Servers.Single(server => server.NodeId == items.PeerNodeId);
        var other = cluster.Servers.Single(server => server != serving);

        var stop = serving.StopAsync();
        var error = await Assert.ThrowsAsync<StreamInterruptedException>(async () => await items.MoveNextAsync());
        await stop.WaitAsync(TestCluster.Bound);
        await items.DisposeAsync();

        // The node's own typed error, not a link failure, and it says what to do.
        Assert.Null(error.InnerException);
        Assert.Contains("reopen", error.Message, StringComparison.Ordinal);

        // Reopened, the stream goes to the node still serving.
        var reopened = (StreamEnumerator<int>)cluster.Streams.OneThenWait("reopened").GetAsyncEnumerator();
        Assert.True(await reopened.MoveNextAsync());
        Assert.Equal(other.NodeId, reopened.PeerNodeId);
        await reopened.DisposeAsync();
    }

    [Fact]
    public async Task Stop_StreamEndsWithinGracePeriod_ConsumerGetsEveryItem()
    {
        await using var cluster = await StreamCluster.StartAsync(1, configureServer: (_, server) => server.ShutdownGracePeriod = TimeSpan.FromSeconds(20));
        var server = cluster.Servers[0];
        await using var items = cluster.Streams.OneThenWait("finish").GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());

        var stop = server.StopAsync();
        var node = server.Host.Services.GetRequiredService<IMeshNode>();
        await StreamCluster.WaitUntil(() => node.State == MeshNodeState.Draining);
        cluster.Probe(0).GateFor("finish").TrySetResult();

        Assert.True(await items.MoveNextAsync());
        Assert.Equal(2, items.Current);
        Assert.False(await items.MoveNextAsync());
        await stop.WaitAsync(TestCluster.Bound);
    }
}
