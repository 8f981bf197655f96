using Mesh.Runtime.Tests.TestServices;

namespace Mesh.Runtime.Tests.Streams;

public sealed class StreamFairnessTests
{
    [Fact]
    public async Task Stream_FastProducerOnLink_UnaryCallsKeepFlowing()
    {
        await using var cluster = await StreamCluster.StartAsync(1);
        using var stop = new CancellationTokenSource();
        var received = 0L;
        var consumer = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in cluster.Streams.Count("fair", -1, 64, stop.Token))
                {
                    Interlocked.Increment(ref received);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });

        await StreamCluster.WaitUntil(() => Interlocked.Read(ref received) >= 1_000);

        // 500 unary calls on the same link, eight at a time, while the producer sends as fast as its credit allows.
        var before = Interlocked.Read(ref received);
        var callers = Enumerable.Range(0, 8).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < 63; i++)
            {
                Assert.Equal(i, (await cluster.Unary.Echo(i)).Value);
            }
        }));
        await Task.WhenAll(callers).WaitAsync(TestCluster.Bound);

        // The stream kept going alongside them.
        await StreamCluster.WaitUntil(() => Interlocked.Read(ref received) > before + 1_000);
        await stop.CancelAsync();
        await consumer.WaitAsync(TestCluster.Bound);
        await cluster.Probe(0).CancelledFor("fair").Task.WaitAsync(TestCluster.Bound);
    }
}
