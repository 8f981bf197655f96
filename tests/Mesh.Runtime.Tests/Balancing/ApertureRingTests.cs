using Mesh.Balancing;

namespace Mesh.Runtime.Tests.Balancing;

public sealed class ApertureRingTests
{
    [Theory]
    [InlineData(1000, 1000, 12)]
    [InlineData(100, 1000, 12)]
    [InlineData(1000, 100, 12)]
    [InlineData(300, 128, 12)]
    [InlineData(7, 50, 5)]
    public void Window_EveryCaller_EveryPeerCoveredByAnEvenShare(int callers, int peers, int size)
    {
        var coverage = new double[peers];
        for (var caller = 0; caller < callers; caller++)
        {
            var window = ApertureRing.Window(caller, callers, peers, size);
            Assert.InRange(window.Length, size, size + 2 + (peers / callers));
            Assert.Equal(window.Length, window.Distinct().Count());
            foreach (var peer in window)
            {
                // A caller spreads its calls evenly over its window.
                coverage[peer] += 1.0 / window.Length;
            }
        }

        var mean = coverage.Average();
        Assert.True(coverage.Min() > 0, "a peer is in no caller's window");
        Assert.True(coverage.Max() / mean <= 1.2, $"max/mean {coverage.Max() / mean:0.000}");
    }

    [Fact]
    public void Window_SameNumberOfCallersAndPeers_ConsecutivePeersFromTheCallersPlace()
    {
        Assert.Equal([5, 6, 7, 8], ApertureRing.Window(5, 1000, 1000, 4));
        Assert.Equal([998, 999, 0, 1], ApertureRing.Window(998, 1000, 1000, 4));
    }

    [Fact]
    public void Window_SizeAtLeastThePeers_AllPeers()
        => Assert.Equal([0, 1, 2], ApertureRing.Window(2, 10, 3, 3));

    [Fact]
    public void Window_OnePeerJoins_EachWindowEndMovesByAtMostOnePeer()
    {
        // Peers are identified by their place in the ring; a new peer sorts in at place 41 of 200.
        var before = Enumerable.Range(0, 200).Select(i => i * 2).ToArray();
        var after = before.Append(81).Order().ToArray();
        var dropped = 0;
        for (var caller = 0; caller < 150; caller++)
        {
            var old = ApertureRing.Window(caller, 150, before.Length, 10).Select(i => before[i]).ToHashSet();
            var current = ApertureRing.Window(caller, 150, after.Length, 10).Select(i => after[i]).ToHashSet();
            var lost = old.Except(current).Count();
            dropped += lost;
            Assert.True(lost <= 2 && current.Except(old).Count() <= 3, $"caller {caller}: {string.Join(",", old.Order())} -> {string.Join(",", current.Order())}");
        }

        // Re-dealing the peers would drop most of every window; the ring drops about one link per caller at most.
        Assert.True(dropped <= 150, $"{dropped} links dropped");
    }

    [Theory]
    [InlineData(-1, 10, 10, 1)]
    [InlineData(10, 10, 10, 1)]
    [InlineData(0, 0, 10, 1)]
    [InlineData(0, 10, 10, 0)]
    public void Window_OutOfRange_Throws(int caller, int callers, int peers, int size)
        => Assert.Throws<ArgumentOutOfRangeException>(() => ApertureRing.Window(caller, callers, peers, size));
}
