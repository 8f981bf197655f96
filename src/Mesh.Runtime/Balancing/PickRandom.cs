namespace Mesh.Balancing;

/// <summary>
/// A thread-safe, allocation-free random source for picks: SplitMix64 over an atomically advanced counter,
/// so concurrent pickers get distinct values and a seeded instance replays exactly in the simulator.
/// </summary>
internal sealed class PickRandom(ulong seed)
{
    private ulong _state = seed;

    public PickRandom()
        : this((ulong)Random.Shared.NextInt64())
    {
    }

    public ulong Next()
    {
        var z = Interlocked.Add(ref _state, 0x9E3779B97F4A7C15UL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Two distinct indices below <paramref name="count"/> (at least 2), uniformly.</summary>
    public (int First, int Second) NextPair(int count)
    {
        var r = Next();
        var first = (int)((uint)r % (uint)count);
        var second = (int)((first + 1 + ((uint)(r >> 32) % (uint)(count - 1))) % (uint)count);
        return (first, second);
    }
}
