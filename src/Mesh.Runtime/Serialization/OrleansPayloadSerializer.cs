using System.Buffers;
using Orleans.Serialization;

namespace Mesh.Serialization;

/// <summary>The default payload serializer, on <c>Microsoft.Orleans.Serialization</c>.</summary>
internal sealed class OrleansPayloadSerializer(Serializer serializer) : IPayloadSerializer
{
    public void Serialize<T>(T value, IBufferWriter<byte> output) => serializer.Serialize(value, output);

    public T Deserialize<T>(ReadOnlySpan<byte> input) => serializer.Deserialize<T>(input)!;
}

/// <summary>
/// Calls an <see cref="IPayloadSerializer"/> without a generic virtual dispatch when it is the default one (a
/// generic interface method costs a runtime lookup per call; the sealed default is called directly).
/// </summary>
internal static class PayloadSerializerExtensions
{
    public static void SerializeFast<T>(this IPayloadSerializer serializer, T value, IBufferWriter<byte> output)
    {
        if (serializer is OrleansPayloadSerializer orleans)
        {
            orleans.Serialize(value, output);
        }
        else
        {
            serializer.Serialize(value, output);
        }
    }

    public static T DeserializeFast<T>(this IPayloadSerializer serializer, ReadOnlySpan<byte> input)
        => serializer is OrleansPayloadSerializer orleans ? orleans.Deserialize<T>(input) : serializer.Deserialize<T>(input);
}
