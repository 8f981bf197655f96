using System.Buffers.Binary;

namespace Mesh.Load;

/// <summary>
/// The wire encoding of a <see cref="LoadReport"/>, version 1 (little-endian, varints are unsigned LEB128):
/// <code>
/// u8  version (1)
/// u8  flags: bit 0 draining, bit 1 limit present, bit 2 cpu present, bit 3 thread-pool queue present
/// u16 sequence
/// u32 low 32 bits of the Unix time in ms when taken
/// varint in-flight, varint queued, varint service time (µs)
/// [varint concurrency limit] [u8 cpu percent] [varint thread-pool queue]   (as flagged)
/// </code>
/// A piggybacked report (core fields only) takes 12–14 bytes. A reader skips a report whose version it does
/// not know (the report is length-delimited by its container), so newer nodes may extend it.
/// </summary>
internal static class LoadReportCodec
{
    /// <summary>The version this build writes and reads.</summary>
    public const byte Version = 1;

    /// <summary>The largest encoding: 8 fixed bytes, four 5-byte varints and the cpu byte.</summary>
    public const int MaxSize = 8 + (4 * 5) + 1;

    private const byte DrainingFlag = 1;

    /// <summary>Writes <paramref name="report"/> to <paramref name="destination"/> (at least <see cref="MaxSize"/> bytes); returns the bytes written.</summary>
    public static int Write(in LoadReport report, Span<byte> destination)
    {
        destination[0] = Version;
        destination[1] = (byte)((byte)(report.Fields & LoadReportFields.All) | (report.IsDraining ? DrainingFlag : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], report.Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], report.TakenAtMs);
        var offset = 8;
        offset += WriteVarint(destination[offset..], (uint)Math.Max(0, report.InFlight));
        offset += WriteVarint(destination[offset..], (uint)Math.Max(0, report.Queued));
        offset += WriteVarint(destination[offset..], (uint)Math.Max(0, report.ServiceTimeMicros));
        if ((report.Fields & LoadReportFields.ConcurrencyLimit) != 0)
        {
            offset += WriteVarint(destination[offset..], (uint)Math.Max(0, report.ConcurrencyLimit));
        }

        if ((report.Fields & LoadReportFields.Cpu) != 0)
        {
            destination[offset++] = (byte)Math.Clamp(report.CpuPercent, 0, 100);
        }

        if ((report.Fields & LoadReportFields.ThreadPoolQueue) != 0)
        {
            offset += WriteVarint(destination[offset..], (uint)Math.Max(0, report.ThreadPoolQueue));
        }

        return offset;
    }

    /// <summary>
    /// Reads a report that fills <paramref name="source"/> exactly. False (and the report ignored) when its
    /// version is unknown.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not a valid version-1 report.</exception>
    public static bool TryRead(ReadOnlySpan<byte> source, out LoadReport report)
    {
        report = default;
        if (source.Length < 1)
        {
            throw new FormatException("the load report is empty");
        }

        if (source[0] != Version)
        {
            return false;
        }

        if (source.Length < 8)
        {
            throw new FormatException("the load report is truncated");
        }

        var flags = source[1];
        if ((flags & ~((byte)LoadReportFields.All | DrainingFlag)) != 0)
        {
            throw new FormatException($"the load report has unknown flags 0x{flags:x2}");
        }

        var fields = (LoadReportFields)(flags & (byte)LoadReportFields.All);
        var sequence = BinaryPrimitives.ReadUInt16LittleEndian(source[2..]);
        var takenAt = BinaryPrimitives.ReadUInt32LittleEndian(source[4..]);
        var offset = 8;
        var inFlight = ReadVarint(source, ref offset);
        var queued = ReadVarint(source, ref offset);
        var serviceTime = ReadVarint(source, ref offset);
        var limit = (fields & LoadReportFields.ConcurrencyLimit) != 0 ? ReadVarint(source, ref offset) : 0;
        var cpu = 0;
        if ((fields & LoadReportFields.Cpu) != 0)
        {
            if (offset >= source.Length)
            {
                throw new FormatException("the load report is truncated");
            }

            cpu = source[offset++];
            if (cpu > 100)
            {
                throw new FormatException($"the load report's cpu percent {cpu} is over 100");
            }
        }

        var threadPool = (fields & LoadReportFields.ThreadPoolQueue) != 0 ? ReadVarint(source, ref offset) : 0;
        if (offset != source.Length)
        {
            throw new FormatException("the load report has trailing bytes");
        }

        report = new LoadReport(sequence, takenAt, inFlight, queued, serviceTime, (flags & DrainingFlag) != 0, fields, limit, cpu, threadPool);
        return true;
    }

    private static int WriteVarint(Span<byte> destination, uint value)
    {
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i++] = (byte)value;
        return i;
    }

    private static int ReadVarint(ReadOnlySpan<byte> source, ref int offset)
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            if (offset >= source.Length)
            {
                throw new FormatException("the load report is truncated");
            }

            var b = source[offset++];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value > int.MaxValue ? throw new FormatException("a load report field is out of range") : (int)value;
            }
        }

        throw new FormatException("a load report varint is longer than 5 bytes");
    }
}
