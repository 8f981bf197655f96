using Mesh.Transport;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>The dispatcher's queue: first in, first out across growth and wrap-around, and no slots kept once trimmed.</summary>
public sealed class ItemQueueTests
{
    [Fact]
    public void EnqueueDequeue_WrapsAndGrowsWhileHoldingItems_KeepsArrivalOrder()
    {
        var queue = new ItemQueue<int>();
        var next = 0;
        var expected = 0;

        // Interleave so the ring wraps before it grows, several times over.
        for (var round = 1; round <= 50; round++)
        {
            for (var i = 0; i < round; i++)
            {
                queue.Enqueue(next++);
            }

            for (var i = 0; i < round / 2; i++)
            {
                Assert.True(queue.TryDequeue(out var item));
                Assert.Equal(expected++, item);
            }
        }

        while (queue.TryDequeue(out var item))
        {
            Assert.Equal(expected++, item);
        }

        Assert.Equal(next, expected);
        Assert.True(queue.IsEmpty);
    }

    [Fact]
    public void Trim_EmptyAfterABurst_HoldsNoSlotsAndWorksAgain()
    {
        var queue = new ItemQueue<long>();
        for (var i = 0; i < 1000; i++)
        {
            queue.Enqueue(i);
        }

        queue.Trim();
        Assert.True(queue.Capacity >= 1000, "a queue holding items keeps them when trimmed");
        while (queue.TryDequeue(out _))
        {
        }

        queue.Trim();
        Assert.Equal(0, queue.Capacity);
        queue.Enqueue(7);
        Assert.True(queue.TryDequeue(out var item));
        Assert.Equal(7, item);
    }

    [Fact]
    public async Task EnqueueDequeue_ManyThreads_EveryItemOnce()
    {
        var queue = new ItemQueue<int>();
        const int PerProducer = 50_000;
        const int Producers = 2;
        var seen = new int[Producers * PerProducer];
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < PerProducer; i++)
            {
                queue.Enqueue((p * PerProducer) + i);
            }
        })).ToArray();
        var taken = 0;
        var consumers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (Volatile.Read(ref taken) < seen.Length)
            {
                if (queue.TryDequeue(out var item))
                {
                    Interlocked.Increment(ref seen[item]);
                    Interlocked.Increment(ref taken);
                }
            }
        })).ToArray();

        await Task.WhenAll([.. producers, .. consumers]).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(seen, count => Assert.Equal(1, count));
    }
}
