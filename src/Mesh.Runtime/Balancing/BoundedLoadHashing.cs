namespace Mesh.Balancing;

/// <summary>
/// Picks the peer for a keyed call: consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam,
/// 2018). The key's owner on the <see cref="KeyRing"/> takes the call while its load plus this call stays within
/// <c>⌈(1 + ε) × (mean load + 1/n)⌉</c>; otherwise the call goes to the next peer clockwise that is within it, so
/// a key spills deterministically and every caller that sees the same loads sends it to the same peer.
/// </summary>
/// <remarks>
/// <para>A peer's load is this caller's calls outstanding there plus the others' calls it reported, weighted by the
/// report's freshness (the same data <see cref="LoadAwarePolicy"/> uses). The mean over the available peers is
/// recomputed after as many picks as there are peers, or after a millisecond, whichever comes first: an amortised
/// single read per pick, so a pick stays O(1) at any size.</para>
/// <para>Draining and unready peers are skipped: their keys go to the peer that will own them once they are gone,
/// before they leave. A peer in slow start (see <see cref="PeerStats.SlowStartFactor"/>) takes only the share of
/// its keys whose ramp position (a second hash of the key) lies below its factor; the rest stay with the next
/// peer, so the keys it takes over arrive gradually and each moves once.</para>
/// <para>With ε = +∞ this is plain consistent hashing (the simulator's baseline).</para>
/// </remarks>
internal sealed class BoundedLoadHashing
{
    private readonly double _factor;
    private readonly TimeProvider _time;
    private readonly long _refreshTicks;

    /// <param name="loadBound">ε: a peer's load may exceed the mean by this fraction (<see cref="MeshOptions.KeyedLoadBound"/>); +∞ for no bound.</param>
    /// <param name="time">The clock of the peers' statistics.</param>
    public BoundedLoadHashing(double loadBound, TimeProvider time)
    {
        _factor = 1 + loadBound;
        _time = time;
        _refreshTicks = Math.Max(1, time.TimestampFrequency / 1000);
        LoadBound = loadBound;
    }

    /// <summary>ε, as configured.</summary>
    public double LoadBound { get; }

    /// <summary>
    /// The index in <paramref name="peers"/> of the peer that takes the call for <paramref name="key"/>; the ring must
    /// have been built from the same peers in the same order. Peers in <paramref name="excluded"/> (tried already)
    /// are skipped. When no available peer is within the bound, the least loaded available one; when none is
    /// available, the first untried peer from the key's point (the key's owner when none was tried). Allocates nothing.
    /// </summary>
    public int Pick(ReadOnlySpan<PeerStats> peers, KeyRing ring, ulong key, ReadOnlySpan<PeerStats> excluded = default)
    {
        var now = _time.GetTimestamp();
        var capacity = double.IsPositiveInfinity(_factor) ? double.PositiveInfinity : Capacity(peers, ring, now);
        var ramp = (MeshKey.Mix(key ^ 0x5851F42D4C957F2D) >> 11) * (1.0 / (1UL << 53));
        var point = ring.FirstPoint(key);
        var fallback = -1;
        var fallbackLoad = double.PositiveInfinity;
        var untried = -1;
        for (var step = 0; step < ring.PointCount; step++, point = ring.NextPoint(point))
        {
            var index = ring.PeerAt(point);
            var peer = peers[index];
            if (!excluded.IsEmpty && Contains(excluded, peer))
            {
                continue;
            }

            if (untried < 0)
            {
                untried = index;
            }

            if (!peer.IsAvailable)
            {
                continue;
            }

            if (peer.RampsUp && ramp >= peer.SlowStartFactor(now))
            {
                // Not this key's turn to move to the ramping peer yet.
                continue;
            }

            var load = Load(peer, now);
            if (load + 1 <= capacity)
            {
                return index;
            }

            if (load < fallbackLoad)
            {
                fallback = index;
                fallbackLoad = load;
            }
        }

        return fallback >= 0 ? fallback : untried >= 0 ? untried : ring.Owner(key);
    }

    /// <summary>A peer's load: this caller's calls outstanding there, plus the others' it reported (weighted by freshness).</summary>
    public static double Load(PeerStats peer, long now)
    {
        var own = peer.Outstanding;
        var others = peer.HasReport ? Math.Max(0, peer.ReportedLoad - own) : 0;
        return others == 0 ? own : own + (others * peer.ReportWeight(now));
    }

    /// <summary>The most load a peer may carry and still take a call: ⌈(1 + ε) × (mean + 1/n)⌉, n the available peers.</summary>
    private double Capacity(ReadOnlySpan<PeerStats> peers, KeyRing ring, long now)
    {
        var picks = ++ring.PicksSinceMeanLoad;
        var at = Volatile.Read(ref ring.MeanLoadAt);
        if (picks >= peers.Length || now - at >= _refreshTicks || at == long.MinValue)
        {
            RefreshMean(peers, ring, now);
        }

        return Math.Ceiling(_factor * (Volatile.Read(ref ring.MeanLoad) + ring.MeanShare));
    }

    private static void RefreshMean(ReadOnlySpan<PeerStats> peers, KeyRing ring, long now)
    {
        var total = 0.0;
        var available = 0;
        foreach (var peer in peers)
        {
            if (peer.IsAvailable)
            {
                total += Load(peer, now);
                available++;
            }
        }

        ring.PicksSinceMeanLoad = 0;
        ring.MeanShare = 1.0 / Math.Max(1, available);
        Volatile.Write(ref ring.MeanLoad, total / Math.Max(1, available));
        Volatile.Write(ref ring.MeanLoadAt, now);
    }

    private static bool Contains(ReadOnlySpan<PeerStats> peers, PeerStats peer)
    {
        foreach (var candidate in peers)
        {
            if (ReferenceEquals(candidate, peer))
            {
                return true;
            }
        }

        return false;
    }
}
