using Mesh.Calls;
using Mesh.Runtime.Tests.TestServices;

namespace Mesh.Runtime.Tests.Streams;

public sealed class StreamFlowControlTests
{
    [Fact]
    public async Task Stream_ConsumerStopsReading_ProducerStopsAtItemCredit()
    {
        const int Credit = 8;
        await using var cluster = await StreamCluster.StartAsync(1, client => client.StreamCreditItems = Credit);
        var probe = cluster.Probe(0);
        await using var items = (StreamEnumerator<StreamItem>)cluster.Streams.Count("items", -1, 16).GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());

        // The server sent its 8 items of credit and holds the 9th, waiting for more; the caller buffers the 7 not taken.
        await StreamCluster.WaitUntil(() => probe.Produced("items") == Credit + 1 && items.BufferedItems == Credit - 1);

        // A round trip on the same link: anything the producer sent before it has arrived by now. Nothing more came.
        await cluster.Unary.Echo(1);
        Assert.Equal(Credit + 1, probe.Produced("items"));
        Assert.Equal(Credit - 1, items.BufferedItems);

        // Taking half the credit grants it back: the producer moves on by exactly that much.
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await items.MoveNextAsync());
        }

        await StreamCluster.WaitUntil(() => probe.Produced("items") == Credit + 1 + (Credit / 2) && items.BufferedItems == Credit);
        await cluster.Unary.Echo(2);
        Assert.Equal(Credit + 1 + (Credit / 2), probe.Produced("items"));

        // A consumer that keeps reading never holds more than the credit, and the producer is never further ahead.
        for (var taken = 4; taken < 2_000; taken++)
        {
            Assert.True(await items.MoveNextAsync());
            Assert.Equal(taken, items.Current.Index);
            Assert.InRange(items.BufferedItems, 0, Credit);
            Assert.InRange(probe.Produced("items") - (taken + 1), 0, Credit + 1);
        }
    }

    [Fact]
    public async Task Stream_ConsumerStopsReading_BufferStaysWithinByteCredit()
    {
        const int CreditBytes = 4096;
        await using var cluster = await StreamCluster.StartAsync(1, client =>
        {
            client.StreamCreditItems = 1000;
            client.StreamCreditBytes = CreditBytes;
        });
        var probe = cluster.Probe(0);
        await using var items = (StreamEnumerator<StreamItem>)cluster.Streams.Count("bytes", -1, 1000).GetAsyncEnumerator();
        Assert.True(await items.MoveNextAsync());
        var itemBytes = 1000 + 64;

        // Every item sent has arrived and the producer holds the next one.
        await StreamCluster.WaitUntil(() => probe.Produced("bytes") >= 2 && items.BufferedItems + 1 == probe.Produced("bytes") - 1);
        await cluster.Unary.Echo(1);
        var produced = probe.Produced("bytes");
        Assert.Equal(items.BufferedItems + 2, produced);

        // The server sends while it has a byte of credit left: at most the credit plus one item, far below the item credit.
        Assert.InRange(items.BufferedBytes, CreditBytes - itemBytes, CreditBytes + itemBytes);
        Assert.InRange(items.BufferedItems, 2, (CreditBytes / 1000) + 1);
    }

    [Fact]
    public async Task Stream_SlowConsumer_ProducerFollowsConsumer()
    {
        const int Credit = 4;
        await using var cluster = await StreamCluster.StartAsync(1, client => client.StreamCreditItems = Credit);
        var probe = cluster.Probe(0);
        var taken = 0;
        await foreach (var item in cluster.Streams.Count("slow", 200, 8))
        {
            taken++;

            // However fast the producer is, it is never more than its credit (and the item it holds) ahead.
            Assert.InRange(probe.Produced("slow") - taken, 0, Credit + 1);
            await Task.Yield();
        }

        Assert.Equal(200, taken);
    }
}
