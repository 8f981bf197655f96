using Mesh.Balancing;
using Mesh.Load;
using Mesh.Runtime.Tests.TestServices;

namespace Mesh.Runtime.Tests.Balancing;

public sealed class KeyedHashingTests
{
    private const int Keys = 100_000;
    private static readonly BalancingSettings Steady = BalancingSettings.Default with { SlowStartWindow = TimeSpan.Zero };
    private readonly ManualTime _time = new();

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(50)]
    public void Owner_OnePeerJoins_AboutOneInNPlusOneKeysMoveAllToIt(int count)
    {
        var before = KeyRing.Build(Names(count));
        var after = KeyRing.Build([.. Names(count), "node-new"]);

        var moved = 0;
        for (var i = 0; i < Keys; i++)
        {
            var key = MeshKey.Hash("cart-" + i);
            var owner = after.Owner(key);
            if (owner != before.Owner(key))
            {
                moved++;
                Assert.Equal(count, owner);
            }
        }

        // Expected 1/(N+1); with 100 points per peer a peer's share is within about ±35 % of it.
        var share = 1.0 / (count + 1);
        Assert.InRange((double)moved / Keys, share * 0.65, share * 1.35);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(50)]
    public void Owner_OnePeerLeaves_OnlyItsKeysMove(int count)
    {
        var names = Names(count);
        var before = KeyRing.Build(names);
        var leaving = count / 2;
        var after = KeyRing.Build([.. names.Where((_, i) => i != leaving)]);

        var moved = 0;
        for (var i = 0; i < Keys; i++)
        {
            var key = MeshKey.Hash("cart-" + i);
            var was = names[before.Owner(key)];
            var now = names.Where((_, i) => i != leaving).ElementAt(after.Owner(key));
            if (was != now)
            {
                moved++;
                Assert.Equal(names[leaving], was);
            }
        }

        var share = 1.0 / count;
        Assert.InRange((double)moved / Keys, share * 0.65, share * 1.35);
    }

    [Fact]
    public void Build_SameNamesInAnotherOrder_SameOwnerNames()
    {
        var names = Names(20);
        var shuffled = names.OrderBy(name => MeshKey.Hash(name)).ToArray();
        var ring = KeyRing.Build(names);
        var other = KeyRing.Build(shuffled);

        for (var i = 0; i < 10_000; i++)
        {
            var key = MeshKey.Hash((long)i);
            Assert.Equal(names[ring.Owner(key)], shuffled[other.Owner(key)]);
        }
    }

    [Fact]
    public void Pick_OwnerWithinBound_AlwaysOwner()
    {
        var peers = Peers(5);
        var ring = KeyRing.Build(Names(5));
        var hashing = new BoundedLoadHashing(0.25, _time);

        for (var i = 0; i < 10_000; i++)
        {
            var key = MeshKey.Hash("k" + i);
            Assert.Equal(ring.Owner(key), hashing.Pick(peers, ring, key));
        }
    }

    [Fact]
    public void Pick_OwnerOverBound_SpillsToNextPeerClockwiseWithinBound()
    {
        var peers = Peers(5);
        var ring = KeyRing.Build(Names(5));
        var hashing = new BoundedLoadHashing(0.25, _time);
        var key = MeshKey.Hash("hot");
        var owner = ring.Owner(key);
        var next = NextDistinct(ring, key, owner);

        // 10 calls of others on the owner: mean 2, bound ⌈1.25 × 2.2⌉ = 3.
        Load(peers[owner], 10);

        Assert.Equal(next, hashing.Pick(peers, ring, key));
        Assert.Equal(next, hashing.Pick(peers, ring, key));
    }

    [Fact]
    public void Pick_ReportedLoadFromOtherCallers_CountsTowardTheBound()
    {
        var peers = Peers(5);
        var ring = KeyRing.Build(Names(5));
        var hashing = new BoundedLoadHashing(0.25, _time);
        var key = MeshKey.Hash("reported");
        var owner = ring.Owner(key);
        peers[owner].OnReport(new LoadReport(1, (uint)_time.GetUtcNow().ToUnixTimeMilliseconds(), 40, 40, 1000, false));

        Assert.NotEqual(owner, hashing.Pick(peers, ring, key));

        // Unbounded (plain consistent hashing) stays on the owner whatever its load.
        Assert.Equal(owner, new BoundedLoadHashing(double.PositiveInfinity, _time).Pick(peers, ring, key));
    }

    [Fact]
    public void Pick_HotKeyManyCalls_NoPeerOverTheBound()
    {
        var peers = Peers(8);
        var ring = KeyRing.Build(Names(8));
        var hashing = new BoundedLoadHashing(0.25, _time);
        var hot = MeshKey.Hash("hot");

        // 400 calls in flight, half of them to one key; nothing completes.
        for (var i = 0; i < 400; i++)
        {
            var key = i % 2 == 0 ? hot : MeshKey.Hash((long)i);
            peers[hashing.Pick(peers, ring, key)].OnSent();
        }

        var max = peers.Max(peer => peer.Outstanding);
        Assert.InRange(max, 1, (int)Math.Ceiling(1.25 * ((400.0 / 8) + 1)));
    }

    [Fact]
    public void Pick_OwnerDraining_KeyGoesWhereItGoesOnceTheOwnerHasLeft()
    {
        var names = Names(6);
        var peers = Peers(6);
        var ring = KeyRing.Build(names);
        var hashing = new BoundedLoadHashing(0.25, _time);
        peers[2].MarkDraining();
        var without = KeyRing.Build([.. names.Where((_, i) => i != 2)]);
        var remaining = names.Where((_, i) => i != 2).ToArray();

        for (var i = 0; i < 10_000; i++)
        {
            var key = MeshKey.Hash("k" + i);
            Assert.Equal(remaining[without.Owner(key)], names[hashing.Pick(peers, ring, key)]);
        }
    }

    [Fact]
    public void Pick_JoiningPeerInSlowStart_TakesItsKeysGraduallyAndEachMovesOnce()
    {
        var names = Names(5);
        var window = TimeSpan.FromSeconds(10);
        var settings = Steady with { SlowStartWindow = window };
        var peers = Peers(5).Append(new PeerStats(settings, _time, rampUp: true)).ToArray();
        var ring = KeyRing.Build([.. names, "node-new"]);
        var hashing = new BoundedLoadHashing(0.25, _time);
        var keys = Enumerable.Range(0, 20_000).Select(i => MeshKey.Hash("k" + i)).Where(key => ring.Owner(key) == 5).ToArray();

        var onNew = new bool[keys.Length];
        var shares = new List<double>();
        for (var step = 0; step <= 10; step++)
        {
            var count = 0;
            for (var i = 0; i < keys.Length; i++)
            {
                var isOnNew = hashing.Pick(peers, ring, keys[i]) == 5;
                Assert.False(onNew[i] && !isOnNew, "a key that moved to the new peer went back");
                onNew[i] = isOnNew;
                count += isOnNew ? 1 : 0;
            }

            shares.Add((double)count / keys.Length);
            _time.Advance(window / 10);
        }

        Assert.InRange(shares[0], 0.07, 0.13);
        Assert.InRange(shares[5], 0.45, 0.55);
        Assert.Equal(1.0, shares[10]);
    }

    [Fact]
    public void Pick_RetryExcludesTriedOwner_NextPeerClockwise()
    {
        var peers = Peers(4);
        var ring = KeyRing.Build(Names(4));
        var hashing = new BoundedLoadHashing(0.25, _time);
        var key = MeshKey.Hash("retry");
        var owner = ring.Owner(key);

        Assert.Equal(NextDistinct(ring, key, owner), hashing.Pick(peers, ring, key, [peers[owner]]));
    }

    [Fact]
    public void Pick_ThousandPeers_AllocatesNothing()
    {
        var peers = Peers(1000);
        var ring = KeyRing.Build(Names(1000));
        var hashing = new BoundedLoadHashing(0.25, _time);

        // The same picks once first: whatever runs once (lazy state, the first refresh of the mean) is not counted.
        for (var i = 0; i < 10_000; i++)
        {
            hashing.Pick(peers, ring, MeshKey.Hash((long)i));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            hashing.Pick(peers, ring, MeshKey.Hash((long)i));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Hash_KnownValues_NeverChange()
    {
        // Every caller of every version must place a key at the same point: these values are part of the protocol.
        Assert.Equal(MeshKey.Hash("cart-1"), MeshKey.Hash("cart-1"));
        Assert.NotEqual(MeshKey.Hash("cart-1"), MeshKey.Hash("cart-2"));
        Assert.Equal(MeshKey.Hash(7L), MeshKey.Hash(7));
        Assert.Equal(MeshKey.Hash(7L), MeshKey.Hash(7UL));
        // FNV-1a 64 over "cart-1" as UTF-16LE, then fmix64 (computed independently).
        Assert.Equal(0x2C57B447887A053FUL, MeshKey.Hash("cart-1"));
        Assert.Throws<ArgumentNullException>(() => MeshKey.Hash((string)null!));
    }

    private static string[] Names(int count) => [.. Enumerable.Range(1, count).Select(i => $"node-{i}")];

    private static int NextDistinct(KeyRing ring, ulong key, int owner)
    {
        var point = ring.FirstPoint(key);
        while (ring.PeerAt(point) == owner)
        {
            point = ring.NextPoint(point);
        }

        return ring.PeerAt(point);
    }

    private static void Load(PeerStats peer, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            peer.OnSent();
        }
    }

    private PeerStats[] Peers(int count) => [.. Enumerable.Range(0, count).Select(_ => new PeerStats(Steady, _time))];
}
