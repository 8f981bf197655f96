using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Mesh.Transport;

/// <summary>Strings and integers inside frame payloads (u16-length-prefixed UTF-8 strings, little-endian).</summary>
internal static class WireFormat
{
    public const int MaxStringBytes = ushort.MaxValue;

    public static void WriteString(PooledBufferWriter writer, string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        if (count > MaxStringBytes)
        {
            // Truncate on a character boundary: messages are diagnostics, never protocol data.
            value = value[..Math.Min(value.Length, MaxStringBytes / 4)];
            count = Encoding.UTF8.GetByteCount(value);
        }

        var span = writer.GetSpan(2 + count);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)count);
        Encoding.UTF8.GetBytes(value, span[2..]);
        writer.Advance(2 + count);
    }

    public static void WriteUInt16(PooledBufferWriter writer, ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(writer.GetSpan(2), value);
        writer.Advance(2);
    }

    public static void WriteUInt32(PooledBufferWriter writer, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(writer.GetSpan(4), value);
        writer.Advance(4);
    }

    public static string ReadString(ref SequenceReader<byte> reader)
    {
        var length = ReadUInt16(ref reader);
        if (reader.Remaining < length)
        {
            throw new ProtocolException("string runs past the end of the frame");
        }

        var slice = reader.UnreadSequence.Slice(0, length);
        reader.Advance(length);
        try
        {
            return new UTF8Encoding(false, true).GetString(slice);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtocolException("string is not valid UTF-8");
        }
    }

    public static ushort ReadUInt16(ref SequenceReader<byte> reader)
        => reader.TryReadLittleEndian(out short value) ? (ushort)value : throw new ProtocolException("frame is truncated");

    public static uint ReadUInt32(ref SequenceReader<byte> reader)
        => reader.TryReadLittleEndian(out int value) ? (uint)value : throw new ProtocolException("frame is truncated");

    public static byte ReadByte(ref SequenceReader<byte> reader)
        => reader.TryRead(out var value) ? value : throw new ProtocolException("frame is truncated");
}
