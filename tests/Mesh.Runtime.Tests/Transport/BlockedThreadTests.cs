using Mesh.Runtime.Tests.TestServices;
using Mesh.Transport;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>
/// User code that blocks its thread — a handler that computes or waits before its first await, a caller that
/// waits synchronously for a call (sync-over-async) — slows itself down, never a link. The links here have
/// heartbeats a minute apart, so nothing but the receive loop and <see cref="LinkWatchdog"/> can make progress.
/// </summary>
public sealed class BlockedThreadTests
{
    private static void QuietLinks(MeshOptions options)
    {
        options.HeartbeatInterval = TimeSpan.FromMinutes(1);
        options.HeartbeatTimeout = TimeSpan.FromMinutes(3);
    }

    [Fact]
    public async Task Echo_AnotherHandlerBlocksItsThreadOnTheSameLink_Completes()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1, QuietLinks);
        var service = cluster.ClientService<ITestService>();
        var probe = cluster.Servers[0].Probe;
        var held = service.Hold("held");
        await probe.StartedFor("held").Task.WaitAsync(TestCluster.Bound);
        try
        {
            // The held handler blocks the thread of its batch: later requests on the link run on another drainer.
            for (var i = 0; i < 20; i++)
            {
                var reply = await service.Echo(i).WaitAsync(TestCluster.Bound);
                Assert.Equal(i, reply.Value);
            }

            Assert.False(held.IsCompleted);
        }
        finally
        {
            probe.GateFor("held").Set();
        }

        await held.WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Echo_ContinuationWaitsSynchronouslyForAnotherCall_Completes()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1, QuietLinks);
        var service = cluster.ClientService<ITestService>();

        // An answer that arrives before the caller awaits continues the caller on its own thread: try again
        // until the continuation ran inside the answer's batch (almost always the first time).
        var inBatch = false;
        for (var attempt = 0; attempt < 100 && !inBatch; attempt++)
        {
            int value;
            (inBatch, value) = await Task.Run(async () =>
            {
                var first = await service.Echo(attempt);

                // Inside the answer's batch, the next call's request is held until the batch ends; this thread
                // blocks the batch until the answer comes.
                var inBatch = SendBatching.InBatch;
                var second = service.Echo(first.Value + 1).GetAwaiter().GetResult();
                return (inBatch, second.Value);
            }).WaitAsync(TestCluster.Bound);
            Assert.Equal(attempt + 1, value);
        }

        Assert.True(inBatch, "no continuation ran inside an answer's batch, so this test proves nothing");
    }

    [Fact]
    public async Task Echo_AnswersQueuedBehindAContinuationThatBlocks_Complete()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1, QuietLinks);
        var service = cluster.ClientService<ITestService>();
        var inBatch = false;
        for (var attempt = 0; attempt < 100 && !inBatch; attempt++)
        {
            using var release = new ManualResetEventSlim();
            var blocking = Task.Run(async () =>
            {
                await service.Echo(0);

                // Blocks the thread that hands out this link's answers until the calls below have completed.
                var inBatch = SendBatching.InBatch;
                return (inBatch, released: release.Wait(TestCluster.Bound));
            });

            try
            {
                var replies = await Task.WhenAll(Enumerable.Range(1, 50).Select(i => service.Echo(i))).WaitAsync(TestCluster.Bound);
                Assert.Equal(Enumerable.Range(1, 50), replies.Select(r => r.Value));
            }
            finally
            {
                release.Set();
            }

            (inBatch, var released) = await blocking.WaitAsync(TestCluster.Bound);
            Assert.True(released);
        }

        Assert.True(inBatch, "no continuation ran inside an answer's batch, so this test proves nothing");
    }
}
