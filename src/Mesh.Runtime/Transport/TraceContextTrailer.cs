using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;

namespace Mesh.Transport;

/// <summary>
/// The caller's W3C trace context (traceparent's ids and flags, and tracestate) appended to a request frame
/// flagged <see cref="FrameFlags.HasTraceContext"/>: trace id (16 bytes), span id (8), trace flags (1), tracestate
/// (UTF-8, at most <see cref="MaxStateBytes"/>), then the tracestate's length (u16), so a reader finds it from the end
/// and the arguments before it are unchanged.
/// </summary>
internal static class TraceContextTrailer
{
    /// <summary>The longest tracestate carried (W3C allows 512 characters); a longer one is dropped, not cut.</summary>
    public const int MaxStateBytes = 512;

    private const int FixedSize = 16 + 8 + 1 + 2;

    /// <summary>The largest trailer.</summary>
    public const int MaxSize = FixedSize + MaxStateBytes;

    /// <summary>Appends <paramref name="context"/> to the frame being written.</summary>
    public static void Write(PooledBufferWriter writer, in ActivityContext context)
    {
        var state = context.TraceState;
        var stateBytes = string.IsNullOrEmpty(state) ? 0 : Encoding.UTF8.GetByteCount(state);
        if (stateBytes > MaxStateBytes)
        {
            stateBytes = 0;
            state = null;
        }

        var span = writer.GetSpan(FixedSize + stateBytes);
        context.TraceId.CopyTo(span[..16]);
        context.SpanId.CopyTo(span.Slice(16, 8));
        span[24] = (byte)context.TraceFlags;
        if (stateBytes > 0)
        {
            Encoding.UTF8.GetBytes(state, span.Slice(25, stateBytes));
        }

        BinaryPrimitives.WriteUInt16LittleEndian(span[(25 + stateBytes)..], (ushort)stateBytes);
        writer.Advance(FixedSize + stateBytes);
    }

    /// <summary>Cuts the trailer off <paramref name="payload"/> and returns the context it carries.</summary>
    /// <exception cref="ProtocolException">The trailer is malformed.</exception>
    public static ActivityContext Split(ref ReadOnlySequence<byte> payload)
    {
        if (payload.Length < FixedSize)
        {
            throw new ProtocolException("the request is flagged with a trace context but is too short to hold one");
        }

        Span<byte> length = stackalloc byte[2];
        payload.Slice(payload.Length - 2).CopyTo(length);
        int stateBytes = BinaryPrimitives.ReadUInt16LittleEndian(length);
        if (stateBytes > MaxStateBytes || payload.Length < FixedSize + stateBytes)
        {
            throw new ProtocolException($"the request's trace context claims a tracestate of {stateBytes} bytes");
        }

        Span<byte> bytes = stackalloc byte[FixedSize + MaxStateBytes];
        bytes = bytes[..(FixedSize + stateBytes)];
        payload.Slice(payload.Length - bytes.Length).CopyTo(bytes);
        payload = payload.Slice(0, payload.Length - bytes.Length);
        var traceId = ActivityTraceId.CreateFromBytes(bytes[..16]);
        var spanId = ActivitySpanId.CreateFromBytes(bytes.Slice(16, 8));
        var state = stateBytes == 0 ? null : Encoding.UTF8.GetString(bytes.Slice(25, stateBytes));
        return new ActivityContext(traceId, spanId, (ActivityTraceFlags)(bytes[24] & 1), state, isRemote: true);
    }
}
