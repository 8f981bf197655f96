using Mesh.Balancing;

namespace Mesh.Runtime.Tests.Balancing;

public sealed class ApertureSizerTests
{
    [Fact]
    public void Sample_Idle_StaysAtTheFloor()
    {
        var sizer = new ApertureSizer(12);

        for (var i = 0; i < 10; i++)
        {
            sizer.Sample(outstanding: 0, linkedPeers: 12, peerCount: 500);
        }

        Assert.Equal(12, sizer.Size);
    }

    [Fact]
    public void Sample_BusyPeers_GrowsUntilTheLoadPerPeerIsBackInBand()
    {
        var sizer = new ApertureSizer(12);

        // 200 calls in flight over 12 peers (16.7 each, past 8): the aperture grows to hold about 4 per peer.
        Assert.True(sizer.Sample(outstanding: 200, linkedPeers: 12, peerCount: 128));
        Assert.Equal(50, sizer.Size);
        Assert.False(sizer.Sample(outstanding: 200, linkedPeers: 50, peerCount: 128));
        Assert.Equal(50, sizer.Size);
    }

    [Fact]
    public void Sample_GrowthBeyondThePeers_CappedAtThePeerCount()
    {
        var sizer = new ApertureSizer(4);

        sizer.Sample(outstanding: 1000, linkedPeers: 4, peerCount: 40);

        Assert.Equal(40, sizer.Size);
    }

    [Fact]
    public void Sample_LoadFallsAway_ShrinksOnePeerPerSampleDownToTheFloor()
    {
        var sizer = new ApertureSizer(3);
        sizer.Sample(outstanding: 100, linkedPeers: 3, peerCount: 100);
        var grown = sizer.Size;

        var sizes = new List<int>();
        for (var i = 0; i < 200 && sizer.Size > 3; i++)
        {
            sizer.Sample(outstanding: 0, linkedPeers: sizer.Size, peerCount: 100);
            sizes.Add(sizer.Size);
        }

        Assert.Equal(25, grown);
        Assert.Equal(3, sizer.Size);
        Assert.All(sizes.Zip(sizes.Skip(1)), pair => Assert.InRange(pair.First - pair.Second, 0, 1));
    }

    [Fact]
    public void Sample_LoadInBand_KeepsTheSize()
    {
        var sizer = new ApertureSizer(10);

        // 64 calls in flight over 10 peers: 6.4 each, dense enough to batch and not past 8.
        for (var i = 0; i < 10; i++)
        {
            Assert.False(sizer.Sample(outstanding: 64, linkedPeers: 10, peerCount: 100));
        }

        Assert.Equal(10, sizer.Size);
    }

    [Fact]
    public void Constructor_FloorBelowOne_Throws()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new ApertureSizer(0));
}
