namespace Mesh.Balancing;

/// <summary>
/// How many of a service's peers one caller's aperture holds, following the load the caller sends: the calls it
/// has in flight per peer of the aperture, smoothed over samples (slow or busy peers raise it: calls in flight are
/// rate times latency). Above <see cref="HighLoad"/> per peer the aperture grows to bring it back to
/// <see cref="TargetLoad"/>; below <see cref="LowLoad"/> it shrinks by one peer per sample, never under the floor. The
/// band is high on purpose: a link whose reads carry several calls batches its writes and reads, one that carries
/// under one call per read does not, so a caller keeps its calls dense rather than spread thin over many peers.
/// </summary>
internal sealed class ApertureSizer
{
    /// <summary>Calls in flight per peer above which the aperture grows.</summary>
    public const double HighLoad = 8.0;

    /// <summary>Calls in flight per peer below which the aperture shrinks.</summary>
    public const double LowLoad = 1.0;

    /// <summary>Calls in flight per peer a growing aperture aims for (between the two bounds).</summary>
    public const double TargetLoad = 4.0;

    /// <summary>Weight of the newest sample in the smoothed load.</summary>
    public const double SampleWeight = 0.5;

    private readonly int _floor;
    private double _outstanding = double.NaN;

    public ApertureSizer(int floor)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(floor);
        _floor = floor;
        Size = floor;
    }

    /// <summary>The number of peers the aperture should hold now (at least the floor).</summary>
    public int Size { get; private set; }

    /// <summary>The smoothed number of calls in flight over the whole aperture (NaN before the first sample).</summary>
    public double Outstanding => _outstanding;

    /// <summary>
    /// Takes one sample — <paramref name="outstanding"/> calls in flight over the aperture's
    /// <paramref name="linkedPeers"/> linked peers, of <paramref name="peerCount"/> peers hosting the service —
    /// and returns whether <see cref="Size"/> changed.
    /// </summary>
    public bool Sample(int outstanding, int linkedPeers, int peerCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(outstanding);
        _outstanding = double.IsNaN(_outstanding) ? outstanding : (SampleWeight * outstanding) + ((1 - SampleWeight) * _outstanding);
        var size = Size;
        var perPeer = _outstanding / Math.Max(1, linkedPeers);
        if (perPeer > HighLoad)
        {
            size = Math.Max(size + 1, (int)Math.Ceiling(_outstanding / TargetLoad));
        }
        else if (perPeer < LowLoad)
        {
            size--;
        }

        size = Math.Clamp(size, _floor, Math.Max(_floor, peerCount));
        if (size == Size)
        {
            return false;
        }

        Size = size;
        return true;
    }
}
