using System.Buffers.Binary;
using System.Diagnostics;
using Mesh.Invocation;
using Mesh.Serialization;
using Mesh.Transport;

namespace Mesh.Calls;

/// <summary>
/// Builds a request frame in place: header and request prefix are reserved first and patched when the
/// call is sent; each argument is a u32 length followed by its serialized bytes, so a newer server can
/// default parameters an older caller does not send, and an older server ignores extra ones. Builders
/// and their buffers are pooled: <see cref="Dispose"/> returns both.
/// </summary>
internal sealed class RequestBuilder : OutgoingRequest
{
    /// <summary>A buffer that grew past this is returned to the array pool instead of kept.</summary>
    private const int KeptBufferSize = 64 * 1024;
    private static readonly BoundedPool<RequestBuilder> Pool = new(1024);
    private readonly PooledBufferWriter _buffer = new();
    private IPayloadSerializer _serializer = null!;
    private MeshMethod _method = null!;
    private int _maxFrameSize;
    private int _rented;
    private int _trailerAt = -1;

    private RequestBuilder()
    {
    }

    public override MeshMethod Method => _method;

    /// <summary>The serialized arguments as written so far (what a server's dispatcher reads).</summary>
    public ReadOnlySpan<byte> Arguments => _buffer.WrittenSpan[(FrameHeader.Size + Protocol.RequestPrefixSize)..(_trailerAt >= 0 ? _trailerAt : _buffer.WrittenCount)];

    public static RequestBuilder Rent(MeshMethod method, IPayloadSerializer serializer, int maxFrameSize)
    {
        var builder = Pool.TryRent() ?? new RequestBuilder();
        builder._method = method;
        builder._serializer = serializer;
        builder._maxFrameSize = maxFrameSize;
        builder._rented = 1;
        builder.RoutingKey = null;
        builder._trailerAt = -1;
        builder._buffer.Reset();

        // The arguments (and the trace context a frame may carry, at most ~540 bytes) must fit the peer's frame limit.
        builder._buffer.Limit = FrameHeader.Size + maxFrameSize - TraceContextTrailer.MaxSize;
        builder._buffer.Reserve(FrameHeader.Size + Protocol.RequestPrefixSize);
        return builder;
    }

    public override void WriteArgument<T>(T value)
    {
        EnsureRented();
        var buffer = _buffer;
        var lengthOffset = buffer.Reserve(4);
        try
        {
            _serializer.SerializeFast(value, buffer);
        }
        catch (PayloadTooLargeException)
        {
            throw new PayloadTooLargeException(
                $"The arguments of {Method} serialize to more than MeshOptions.MaxFrameSize ({_maxFrameSize} bytes); " +
                "send smaller arguments or raise the limit on every node.");
        }

        var length = buffer.WrittenCount - lengthOffset - 4;
        BinaryPrimitives.WriteInt32LittleEndian(buffer.WrittenSpanForPatch[lengthOffset..], length);
    }

    /// <summary>
    /// Patches the header and prefix for one attempt and returns the frame to send, with <paramref name="trace"/>
    /// appended when it is not the default (<see cref="TraceContextTrailer"/>; the previous attempt's is replaced).
    /// <paramref name="kind"/> is <see cref="FrameKind.Request"/>, or <see cref="FrameKind.StreamRequest"/> to open a stream.
    /// </summary>
    public ReadOnlySpan<byte> Frame(long callId, uint deadlineMilliseconds, in ActivityContext trace = default, FrameKind kind = FrameKind.Request)
    {
        EnsureRented();
        if (_trailerAt >= 0)
        {
            _buffer.Truncate(_trailerAt);
            _trailerAt = -1;
        }

        _buffer.Limit = int.MaxValue;

        byte flags = 0;
        if (trace != default)
        {
            _trailerAt = _buffer.WrittenCount;
            TraceContextTrailer.Write(_buffer, trace);
            flags = FrameFlags.HasTraceContext;
        }

        var frame = _buffer.WrittenSpanForPatch;
        new FrameHeader(frame.Length - FrameHeader.Size, kind, flags, callId).Write(frame);
        var prefix = frame[FrameHeader.Size..];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, Method.ServiceId);
        BinaryPrimitives.WriteUInt32LittleEndian(prefix[4..], Method.Id);
        BinaryPrimitives.WriteUInt32LittleEndian(prefix[8..], deadlineMilliseconds);
        return frame;
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _rented, 0) == 0)
        {
            return;
        }

        _method = null!;
        _serializer = null!;
        if (_buffer.Capacity > KeptBufferSize)
        {
            _buffer.Shrink();
        }

        _buffer.Reset();
        Pool.Return(this);
    }

    private void EnsureRented()
    {
        if (Volatile.Read(ref _rented) == 0)
        {
            throw new ObjectDisposedException(nameof(RequestBuilder));
        }
    }
}
