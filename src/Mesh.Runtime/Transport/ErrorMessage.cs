using System.Buffers;

namespace Mesh.Transport;

/// <summary>The payload of an <see cref="FrameKind.Error"/> frame.</summary>
/// <remarks>
/// The correlation id (under which the serving node logged the failure) follows the message; a node that sends none
/// (older builds) ends the payload after the message, and a reader reads it only when present.
/// </remarks>
internal readonly record struct ErrorMessage(ErrorCode Code, string TypeName, string Message, string? CorrelationId = null)
{
    public void WriteFrame(PooledBufferWriter writer, long callId)
    {
        var start = writer.Reserve(FrameHeader.Size);
        writer.GetSpan(1)[0] = (byte)Code;
        writer.Advance(1);
        WireFormat.WriteString(writer, TypeName);
        WireFormat.WriteString(writer, Message);
        if (CorrelationId is not null)
        {
            WireFormat.WriteString(writer, CorrelationId);
        }

        var frame = writer.WrittenSpanForPatch[start..];
        new FrameHeader(frame.Length - FrameHeader.Size, FrameKind.Error, 0, callId).Write(frame);
    }

    public static ErrorMessage Read(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        var code = (ErrorCode)WireFormat.ReadByte(ref reader);
        var type = WireFormat.ReadString(ref reader);
        var message = WireFormat.ReadString(ref reader);
        var correlationId = reader.Remaining > 0 ? WireFormat.ReadString(ref reader) : null;
        return new ErrorMessage(code, type, message, correlationId);
    }
}
