namespace Mesh.Balancing;

/// <summary>
/// Deterministic aperture: which of a service's peers one caller links to. The <c>N</c> peers, in ring order, are cut
/// into <c>M</c> consecutive tiles, one per caller (tile <c>t</c> holds the peers from <c>round(t·N/M)</c> up to
/// <c>round((t+1)·N/M)</c>); caller <c>i</c>'s window is the <c>k</c> tiles from its own, with <c>k</c> the fewest that
/// hold the aperture's size (<c>k = ceil(size·M/N)</c>). Every peer then lies in exactly <c>k</c> windows, and every
/// window holds <c>k·N/M</c> peers give or take one, so a caller that spreads its calls over its window gives every
/// peer the same share of calls — without weighting peers at the window's edges. One peer joining or leaving moves
/// each window's ends by at most a peer or two.
/// </summary>
internal static class ApertureRing
{
    /// <summary>
    /// The indices, in ring order, of the peers in the window of caller <paramref name="callerIndex"/> of
    /// <paramref name="callerCount"/> over <paramref name="peerCount"/> peers, for an aperture of at least
    /// <paramref name="size"/> peers (all of them when <paramref name="size"/> reaches <paramref name="peerCount"/>).
    /// </summary>
    public static int[] Window(int callerIndex, int callerCount, int peerCount, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(callerCount);
        ArgumentOutOfRangeException.ThrowIfNegative(callerIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(callerIndex, callerCount);
        ArgumentOutOfRangeException.ThrowIfNegative(peerCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (size >= peerCount)
        {
            return [.. Enumerable.Range(0, peerCount)];
        }

        var tiles = (((long)size * callerCount) + peerCount - 1) / peerCount;
        var start = TileStart(callerIndex, callerCount, peerCount);
        var end = TileStart(callerIndex + tiles, callerCount, peerCount);
        var count = (int)Math.Clamp(end - start, 1, peerCount);
        var window = new int[count];
        for (var k = 0; k < count; k++)
        {
            window[k] = (int)((start + k) % peerCount);
        }

        return window;
    }

    /// <summary>The first peer of tile <paramref name="tile"/> (counting on past the ring's end): <c>round(tile·N/M)</c>.</summary>
    private static long TileStart(long tile, int callerCount, int peerCount)
        => ((2 * tile * peerCount) + callerCount) / (2L * callerCount);
}
