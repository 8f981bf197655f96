using System.Buffers.Binary;

namespace Mesh.Transport;

/// <summary>
/// The fixed 16-byte header in front of every frame: payload length (u32), kind (u8), flags (u8),
/// reserved (u16, zero), call id (u64); little-endian.
/// </summary>
internal readonly record struct FrameHeader(int PayloadLength, FrameKind Kind, byte Flags, long CallId)
{
    public const int Size = 16;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, PayloadLength);
        destination[4] = (byte)Kind;
        destination[5] = Flags;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], CallId);
    }

    public static FrameHeader Read(ReadOnlySpan<byte> source)
        => new(
            BinaryPrimitives.ReadInt32LittleEndian(source),
            (FrameKind)source[4],
            source[5],
            BinaryPrimitives.ReadInt64LittleEndian(source[8..]));

    /// <summary>Patches the payload length of a header already written at the start of <paramref name="frame"/>.</summary>
    public static void PatchLength(Span<byte> frame)
        => BinaryPrimitives.WriteInt32LittleEndian(frame, frame.Length - Size);
}
