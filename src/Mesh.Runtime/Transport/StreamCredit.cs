using System.Buffers;
using System.Buffers.Binary;

namespace Mesh.Transport;

/// <summary>The payload of a <see cref="FrameKind.StreamCredit"/> frame: items (u32) and bytes (u32) added to a stream's credit.</summary>
internal static class StreamCredit
{
    public const int PayloadSize = 8;

    /// <summary>Writes a whole credit frame for stream <paramref name="callId"/> into <paramref name="frame"/>.</summary>
    public static void WriteFrame(Span<byte> frame, long callId, uint items, uint bytes)
    {
        new FrameHeader(PayloadSize, FrameKind.StreamCredit, 0, callId).Write(frame);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[FrameHeader.Size..], items);
        BinaryPrimitives.WriteUInt32LittleEndian(frame[(FrameHeader.Size + 4)..], bytes);
    }

    /// <exception cref="ProtocolException">The payload is not 8 bytes.</exception>
    public static (uint Items, uint Bytes) Read(in ReadOnlySequence<byte> payload)
    {
        if (payload.Length != PayloadSize)
        {
            throw new ProtocolException($"a stream credit frame has {payload.Length} bytes; it must have {PayloadSize}");
        }

        Span<byte> bytes = stackalloc byte[PayloadSize];
        payload.CopyTo(bytes);
        return (BinaryPrimitives.ReadUInt32LittleEndian(bytes), BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]));
    }
}
