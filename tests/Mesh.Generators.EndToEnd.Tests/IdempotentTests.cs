using Mesh.Generators.EndToEnd.Tests.Cluster;
using Mesh.Generators.EndToEnd.Tests.Services;

namespace Mesh.Generators.EndToEnd.Tests;

/// <summary>
/// The router sees <c>[Idempotent]</c>: when the link fails after a call was sent, an idempotent call runs
/// again on another peer, while any other call fails.
/// </summary>
public sealed class IdempotentTests
{
    private const int MaxTries = 50;

    [Fact]
    public async Task LinkCutAfterSend_IdempotentMethod_RetriedOnOtherPeer()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 2, relayFirstServer: true);
        var retries = cluster.Get<IRetries>();

        var result = await CallUntilItHangsOnFirstNodeThenCut(cluster, retries.Lookup);

        Assert.Equal("node-2", await result.WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task LinkCutAfterSend_PlainMethod_PeerUnavailable()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 2, relayFirstServer: true);
        var retries = cluster.Get<IRetries>();

        var result = await CallUntilItHangsOnFirstNodeThenCut(cluster, retries.Reserve);

        await Assert.ThrowsAsync<PeerUnavailableException>(() => result.WaitAsync(TestCluster.Bound));
    }

    /// <summary>
    /// Calls until the balancer sends a call to node-1 (behind the relay), where it hangs; then cuts the
    /// relay and returns that call. Calls that node-2 serves meanwhile complete normally.
    /// </summary>
    private static async Task<Task<string>> CallUntilItHangsOnFirstNodeThenCut(TestCluster cluster, Func<string, Task<string>> call)
    {
        cluster.Probe.HangOnNode = "node-1";
        for (var i = 0; i < MaxTries; i++)
        {
            var key = Guid.NewGuid().ToString();
            var pending = call(key);
            var arrivedOnFirst = cluster.Probe.WhenArrived(key, "node-1");
            var first = await Task.WhenAny(pending, arrivedOnFirst).WaitAsync(TestCluster.Bound);
            if (first == arrivedOnFirst)
            {
                cluster.Relay.CutAll();
                return pending;
            }

            Assert.Equal("node-2", await pending);
        }

        Assert.Fail($"The balancer sent none of {MaxTries} calls to node-1.");
        throw new InvalidOperationException();
    }
}
