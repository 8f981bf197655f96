using System.Buffers;
using Mesh.Transport;

namespace Mesh.Load;

/// <summary>
/// How load reports ride on frames. Piggybacked on a response or error: the frame's payload ends with the
/// encoded report followed by one byte holding the report's length, and header flag
/// <see cref="FrameFlags.HasLoadReport"/> is set — so a reader finds the report from the end and the
/// payload before it is unchanged. Broadcast: a <see cref="FrameKind.LoadReport"/> frame whose whole
/// payload is the encoded report.
/// </summary>
internal static class LoadReportFrames
{
    /// <summary>The largest <see cref="FrameKind.LoadReport"/> frame.</summary>
    public const int MaxBroadcastFrameSize = FrameHeader.Size + LoadReportCodec.MaxSize;

    /// <summary>
    /// Appends a compact report of <paramref name="monitor"/> to the frame that starts at
    /// <paramref name="frameStart"/> in <paramref name="writer"/> (the last thing written), and patches its
    /// header's length and flags.
    /// </summary>
    public static void Append(PooledBufferWriter writer, int frameStart, NodeLoadMonitor monitor)
    {
        var report = monitor.Take(LoadReportFields.None);
        var span = writer.GetSpan(LoadReportCodec.MaxSize + 1);
        var length = LoadReportCodec.Write(report, span);
        span[length] = (byte)length;
        writer.Advance(length + 1);
        var frame = writer.WrittenSpanForPatch[frameStart..];
        FrameHeader.PatchLength(frame);
        frame[5] |= FrameFlags.HasLoadReport;
    }

    /// <summary>Writes a <see cref="FrameKind.LoadReport"/> frame with <paramref name="report"/>; returns its size.</summary>
    public static int WriteBroadcast(in LoadReport report, Span<byte> destination)
    {
        var length = LoadReportCodec.Write(report, destination[FrameHeader.Size..]);
        new FrameHeader(length, FrameKind.LoadReport, 0, 0).Write(destination);
        return FrameHeader.Size + length;
    }

    /// <summary>
    /// When <paramref name="header"/> says a report is appended, cuts it off <paramref name="payload"/> and
    /// decodes it; <paramref name="hasReport"/> is false without one or when its version is unknown.
    /// </summary>
    /// <exception cref="ProtocolException">The appended report is malformed.</exception>
    public static void Split(in FrameHeader header, ref ReadOnlySequence<byte> payload, out LoadReport report, out bool hasReport)
    {
        report = default;
        hasReport = false;
        if ((header.Flags & FrameFlags.HasLoadReport) == 0)
        {
            return;
        }

        if (payload.Length < 2)
        {
            throw new ProtocolException("the frame is flagged with a load report but is too short to hold one");
        }

        Span<byte> lengthByte = stackalloc byte[1];
        payload.Slice(payload.Length - 1).CopyTo(lengthByte);
        int length = lengthByte[0];
        if (length == 0 || length > payload.Length - 1)
        {
            throw new ProtocolException($"the appended load report's length {length} does not fit the frame");
        }

        Span<byte> bytes = stackalloc byte[byte.MaxValue];
        bytes = bytes[..length];
        payload.Slice(payload.Length - 1 - length, length).CopyTo(bytes);
        payload = payload.Slice(0, payload.Length - 1 - length);
        hasReport = Decode(bytes, out report);
    }

    /// <summary>Decodes the payload of a <see cref="FrameKind.LoadReport"/> frame.</summary>
    /// <exception cref="ProtocolException">The report is malformed.</exception>
    public static bool ReadBroadcast(in ReadOnlySequence<byte> payload, out LoadReport report)
    {
        if (payload.Length is 0 or > byte.MaxValue)
        {
            throw new ProtocolException($"a load report frame of {payload.Length} bytes is not a report");
        }

        Span<byte> bytes = stackalloc byte[(int)payload.Length];
        payload.CopyTo(bytes);
        return Decode(bytes, out report);
    }

    private static bool Decode(ReadOnlySpan<byte> bytes, out LoadReport report)
    {
        try
        {
            return LoadReportCodec.TryRead(bytes, out report);
        }
        catch (FormatException ex)
        {
            throw new ProtocolException($"malformed load report: {ex.Message}");
        }
    }
}
