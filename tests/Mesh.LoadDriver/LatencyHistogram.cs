using System.Diagnostics;
using System.Numerics;

namespace Mesh.LoadDriver;

/// <summary>
/// Log-linear latency histogram over Stopwatch ticks: 64 linear buckets per power of two (about 1.6 %
/// resolution), fixed size, no allocation per sample. One per caller; merged at the end.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 64;
    private const int SubBucketBits = 6;
    private readonly long[] _counts = new long[SubBuckets * 64];

    public long Count { get; private set; }

    public void Record(long ticks)
    {
        _counts[Index(Math.Max(ticks, 1))]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The latency at <paramref name="quantile"/> (0..1), in microseconds.</summary>
    public double PercentileMicroseconds(double quantile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(quantile * Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return UpperBound(i) * 1_000_000.0 / Stopwatch.Frequency;
            }
        }

        return UpperBound(_counts.Length - 1) * 1_000_000.0 / Stopwatch.Frequency;
    }

    private static int Index(long value)
    {
        var magnitude = 63 - BitOperations.LeadingZeroCount((ulong)value);
        if (magnitude < SubBucketBits)
        {
            return (int)value;
        }

        var shift = magnitude - SubBucketBits;
        var sub = (int)((value >> shift) & (SubBuckets - 1));
        return ((shift + 1) * SubBuckets) + sub;
    }

    private static long UpperBound(int index)
    {
        if (index < SubBuckets)
        {
            return index;
        }

        var shift = (index / SubBuckets) - 1;
        var sub = index % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << shift) - 1;
    }
}
