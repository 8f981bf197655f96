using System.Buffers.Binary;
using Mesh.Invocation;
using Mesh.Serialization;
using Mesh.Transport;

namespace Mesh.Calls;

/// <summary>
/// Builds a request frame in place: header and request prefix are reserved first and patched when the
/// call is sent; each argument is a u32 length followed by its serialized bytes, so a newer server can
/// default parameters an older caller does not send, and an older server ignores extra ones.
/// </summary>
internal sealed class RequestBuilder : OutgoingRequest
{
    private readonly IPayloadSerializer _serializer;
    private readonly int _maxFrameSize;
    private PooledBufferWriter? _buffer = new();

    public RequestBuilder(MeshMethod method, IPayloadSerializer serializer, int maxFrameSize)
    {
        Method = method;
        _serializer = serializer;
        _maxFrameSize = maxFrameSize;
        _buffer.Reserve(FrameHeader.Size + Protocol.RequestPrefixSize);
    }

    public override MeshMethod Method { get; }

    public int PayloadLength => Buffer.WrittenCount - FrameHeader.Size;

    private PooledBufferWriter Buffer => _buffer ?? throw new ObjectDisposedException(nameof(RequestBuilder));

    public override void WriteArgument<T>(T value)
    {
        var buffer = Buffer;
        var lengthOffset = buffer.Reserve(4);
        _serializer.Serialize(value, buffer);
        var length = buffer.WrittenCount - lengthOffset - 4;
        BinaryPrimitives.WriteInt32LittleEndian(buffer.WrittenSpanForPatch[lengthOffset..], length);
        if (buffer.WrittenCount - FrameHeader.Size > _maxFrameSize)
        {
            throw new ArgumentException(
                $"The arguments of {Method} serialize to more than MeshOptions.MaxFrameSize ({_maxFrameSize} bytes); " +
                "send smaller arguments or raise the limit on every node.");
        }
    }

    /// <summary>Patches the header and prefix for one attempt and returns the frame to send.</summary>
    public ReadOnlySpan<byte> Frame(long callId, uint deadlineMilliseconds)
    {
        var frame = Buffer.WrittenSpanForPatch;
        new FrameHeader(frame.Length - FrameHeader.Size, FrameKind.Request, 0, callId).Write(frame);
        var prefix = frame[FrameHeader.Size..];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, Method.ServiceId);
        BinaryPrimitives.WriteUInt32LittleEndian(prefix[4..], Method.Id);
        BinaryPrimitives.WriteUInt32LittleEndian(prefix[8..], deadlineMilliseconds);
        return frame;
    }

    public override void Dispose()
    {
        _buffer?.Dispose();
        _buffer = null;
    }
}
