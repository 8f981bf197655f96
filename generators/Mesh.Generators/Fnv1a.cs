using System.Text;

namespace Mesh.Generators;

/// <summary>
/// The 32-bit FNV-1a hash of a string's UTF-8 bytes: the same function as <c>Mesh.StableHash.Compute</c>
/// at run time, which the generator cannot reference (it runs inside the compiler).
/// </summary>
internal static class Fnv1a
{
    private const uint OffsetBasis = 2166136261;
    private const uint Prime = 16777619;

    public static uint Compute(string value)
    {
        var hash = OffsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            hash ^= b;
            hash *= Prime;
        }

        return hash;
    }
}
