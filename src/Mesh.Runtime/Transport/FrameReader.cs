using System.Buffers;

namespace Mesh.Transport;

/// <summary>Parses frames out of the bytes a link has received.</summary>
internal static class FrameReader
{
    /// <summary>
    /// Reads one whole frame from the start of <paramref name="buffer"/> and slices it off; returns false
    /// when more bytes are needed.
    /// </summary>
    /// <exception cref="ProtocolException">The header is invalid or announces a frame over the limit.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameSize, out FrameHeader header, out ReadOnlySequence<byte> payload)
    {
        if (buffer.Length < FrameHeader.Size)
        {
            header = default;
            payload = default;
            return false;
        }

        Span<byte> headerBytes = stackalloc byte[FrameHeader.Size];
        buffer.Slice(0, FrameHeader.Size).CopyTo(headerBytes);
        header = FrameHeader.Read(headerBytes);
        Validate(header, headerBytes, maxFrameSize);

        var frameLength = FrameHeader.Size + (long)header.PayloadLength;
        if (buffer.Length < frameLength)
        {
            payload = default;
            return false;
        }

        payload = buffer.Slice(FrameHeader.Size, header.PayloadLength);
        buffer = buffer.Slice(frameLength);
        return true;
    }

    private static void Validate(in FrameHeader header, ReadOnlySpan<byte> raw, int maxFrameSize)
    {
        if (header.PayloadLength < 0 || header.PayloadLength > maxFrameSize)
        {
            throw new ProtocolException($"frame of {(uint)header.PayloadLength} bytes exceeds the limit of {maxFrameSize} bytes");
        }

        if (header.Kind is < FrameKind.Hello or > FrameKind.StreamCredit)
        {
            throw new ProtocolException($"unknown frame kind {(byte)header.Kind}");
        }

        if (raw[6] != 0 || raw[7] != 0)
        {
            throw new ProtocolException("reserved header bytes are not zero");
        }
    }
}
