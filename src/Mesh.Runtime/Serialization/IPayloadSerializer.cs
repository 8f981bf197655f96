using System.Buffers;

namespace Mesh.Serialization;

/// <summary>
/// Turns call arguments and results into bytes and back. The default is Orleans serialization, which is
/// version tolerant, so old and new nodes interoperate during a rolling update.
/// </summary>
public interface IPayloadSerializer
{
    /// <summary>Writes <paramref name="value"/> to <paramref name="output"/>.</summary>
    void Serialize<T>(T value, IBufferWriter<byte> output);

    /// <summary>Reads a value written by <see cref="Serialize{T}"/>.</summary>
    T Deserialize<T>(ReadOnlySpan<byte> input);
}
