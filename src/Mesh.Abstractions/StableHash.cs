using System.Text;

namespace Mesh;

/// <summary>
/// The 32-bit FNV-1a hash of a string's UTF-8 bytes. Service and method ids on the wire are derived with
/// it, so they are the same on every build and machine. The source generator computes method ids with the
/// same function at compile time.
/// </summary>
public static class StableHash
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    /// <summary>Computes the FNV-1a hash of <paramref name="value"/> encoded as UTF-8.</summary>
    public static uint Compute(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hash = OffsetBasis;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(value) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(value, buffer)]
            : Encoding.UTF8.GetBytes(value);
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= Prime;
        }

        return hash;
    }
}
