using System.Buffers;
using Orleans.Serialization;

namespace Mesh.Serialization;

/// <summary>The default payload serializer, on <c>Microsoft.Orleans.Serialization</c>.</summary>
internal sealed class OrleansPayloadSerializer(Serializer serializer) : IPayloadSerializer
{
    public void Serialize<T>(T value, IBufferWriter<byte> output) => serializer.Serialize(value, output);

    public T Deserialize<T>(ReadOnlySpan<byte> input) => serializer.Deserialize<T>(input)!;
}
