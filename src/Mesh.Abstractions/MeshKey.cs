using System.Buffers.Binary;

namespace Mesh;

/// <summary>
/// The 64-bit routing hash of a key (<see cref="KeyAttribute"/>). Every caller must place a key at the same point,
/// so the hash is fixed: FNV-1a (64-bit) over the key's bytes (a string's UTF-16 code units, little-endian; a
/// <see cref="Guid"/>'s 16 bytes as <see cref="Guid.TryWriteBytes(Span{byte})"/> writes them; an integer's 8
/// bytes, little-endian), then the 64-bit finalizer of MurmurHash3 so that nearby keys land far apart. It never
/// changes between versions or machines. Generated proxies call it; it allocates nothing.
/// </summary>
public static class MeshKey
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    /// <summary>The routing hash of a string key.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null: a keyed call needs a key.</exception>
    public static ulong Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = OffsetBasis;
        foreach (var c in key)
        {
            hash = (hash ^ (byte)c) * Prime;
            hash = (hash ^ (byte)(c >> 8)) * Prime;
        }

        return Mix(hash);
    }

    /// <summary>The routing hash of a <see cref="Guid"/> key.</summary>
    public static ulong Hash(Guid key)
    {
        Span<byte> bytes = stackalloc byte[16];
        key.TryWriteBytes(bytes);
        return Mix(Fold(bytes));
    }

    /// <summary>The routing hash of an integer key (<see cref="int"/> and <see cref="uint"/> keys widen to it).</summary>
    public static ulong Hash(long key)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, key);
        return Mix(Fold(bytes));
    }

    /// <summary>The routing hash of an unsigned 64-bit key.</summary>
    public static ulong Hash(ulong key) => Hash(unchecked((long)key));

    private static ulong Fold(ReadOnlySpan<byte> bytes)
    {
        var hash = OffsetBasis;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }

        return hash;
    }

    /// <summary>MurmurHash3's fmix64: every input bit affects every output bit.</summary>
    internal static ulong Mix(ulong value)
    {
        value ^= value >> 33;
        value *= 0xff51afd7ed558ccd;
        value ^= value >> 33;
        value *= 0xc4ceb9fe1a85ec53;
        value ^= value >> 33;
        return value;
    }
}
