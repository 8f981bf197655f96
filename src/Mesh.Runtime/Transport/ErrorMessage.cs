using System.Buffers;

namespace Mesh.Transport;

/// <summary>The payload of an <see cref="FrameKind.Error"/> frame.</summary>
internal readonly record struct ErrorMessage(ErrorCode Code, string TypeName, string Message)
{
    public void WriteFrame(PooledBufferWriter writer, long callId)
    {
        var start = writer.Reserve(FrameHeader.Size);
        writer.GetSpan(1)[0] = (byte)Code;
        writer.Advance(1);
        WireFormat.WriteString(writer, TypeName);
        WireFormat.WriteString(writer, Message);
        var frame = writer.WrittenSpanForPatch[start..];
        new FrameHeader(frame.Length - FrameHeader.Size, FrameKind.Error, 0, callId).Write(frame);
    }

    public static ErrorMessage Read(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        var code = (ErrorCode)WireFormat.ReadByte(ref reader);
        var type = WireFormat.ReadString(ref reader);
        var message = WireFormat.ReadString(ref reader);
        return new ErrorMessage(code, type, message);
    }
}
