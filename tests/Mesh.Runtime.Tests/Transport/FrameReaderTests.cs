using System.Buffers;
using Mesh.Transport;

namespace Mesh.Runtime.Tests.Transport;

public sealed class FrameReaderTests
{
    private const int MaxFrame = 1024;

    [Fact]
    public void TryRead_TwoWholeFramesAndAPartOne_ReadsTwoAndKeepsTheRest()
    {
        var bytes = Frame(FrameKind.Response, 1, [1, 2, 3])
            .Concat(Frame(FrameKind.Cancel, 2, []))
            .Concat(Frame(FrameKind.Response, 3, [9, 9, 9, 9]).Take(FrameHeader.Size + 2))
            .ToArray();
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.True(FrameReader.TryRead(ref buffer, MaxFrame, out var first, out var firstPayload));
        Assert.Equal((FrameKind.Response, 1L), (first.Kind, first.CallId));
        Assert.Equal(new byte[] { 1, 2, 3 }, firstPayload.ToArray());
        Assert.True(FrameReader.TryRead(ref buffer, MaxFrame, out var second, out var secondPayload));
        Assert.Equal((FrameKind.Cancel, 2L, 0L), (second.Kind, second.CallId, secondPayload.Length));
        Assert.False(FrameReader.TryRead(ref buffer, MaxFrame, out _, out _));
        Assert.Equal(FrameHeader.Size + 2, buffer.Length);
    }

    [Fact]
    public void TryRead_HeaderAnnouncesFrameOverTheLimit_ThrowsBeforeBufferingIt()
    {
        var header = new byte[FrameHeader.Size];
        new FrameHeader(MaxFrame + 1, FrameKind.Request, 0, 1).Write(header);
        var buffer = new ReadOnlySequence<byte>(header);

        var ex = Assert.Throws<ProtocolException>(() => FrameReader.TryRead(ref buffer, MaxFrame, out _, out _));
        Assert.Contains("exceeds the limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_NegativeLength_Throws()
    {
        var header = new byte[FrameHeader.Size];
        new FrameHeader(-5, FrameKind.Request, 0, 1).Write(header);
        var buffer = new ReadOnlySequence<byte>(header);

        Assert.Throws<ProtocolException>(() => FrameReader.TryRead(ref buffer, MaxFrame, out _, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(14)]
    [InlineData(255)]
    public void TryRead_UnknownKind_Throws(byte kind)
    {
        var bytes = Frame((FrameKind)kind, 1, [1]);
        var buffer = new ReadOnlySequence<byte>(bytes);

        var ex = Assert.Throws<ProtocolException>(() => FrameReader.TryRead(ref buffer, MaxFrame, out _, out _));
        Assert.Contains("unknown frame kind", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_ReservedBytesSet_Throws()
    {
        var bytes = Frame(FrameKind.Ping, 1, []);
        bytes[6] = 1;
        var buffer = new ReadOnlySequence<byte>(bytes);

        Assert.Throws<ProtocolException>(() => FrameReader.TryRead(ref buffer, MaxFrame, out _, out _));
    }

    [Fact]
    public void ValidatePreface_WrongVersion_ThrowsNamingBothVersions()
    {
        var preface = new byte[Protocol.PrefaceSize];
        Protocol.WritePreface(preface);
        preface[4] = 99;

        var ex = Assert.Throws<ProtocolException>(() => Protocol.ValidatePreface(preface));
        Assert.Contains("version 99", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HelloMessage_RoundTrip_KeepsEveryField()
    {
        var hello = new HelloMessage("node-é", "mesh", [new HostedServiceInfo("svc.A", [1u, 2u]), new HostedServiceInfo("svc.B", [])]);
        using var writer = new PooledBufferWriter();
        hello.WriteFrame(writer);
        var buffer = new ReadOnlySequence<byte>(writer.WrittenMemory);

        Assert.True(FrameReader.TryRead(ref buffer, MaxFrame, out var header, out var payload));
        var read = HelloMessage.Read(payload);

        Assert.Equal(FrameKind.Hello, header.Kind);
        Assert.Equal(("node-é", "mesh"), (read.NodeId, read.MeshName));
        Assert.Equal(["svc.A", "svc.B"], read.Services.Select(s => s.Name));
        Assert.Equal([1u, 2u], read.Services[0].MethodIds);
    }

    [Fact]
    public void HelloMessage_Truncated_Throws()
    {
        var hello = new HelloMessage("node", "mesh", [new HostedServiceInfo("svc.A", [1u, 2u])]);
        using var writer = new PooledBufferWriter();
        hello.WriteFrame(writer);
        var payload = writer.WrittenMemory[FrameHeader.Size..^3];

        Assert.Throws<ProtocolException>(() => HelloMessage.Read(new ReadOnlySequence<byte>(payload)));
    }

    private static byte[] Frame(FrameKind kind, long callId, byte[] payload)
    {
        var frame = new byte[FrameHeader.Size + payload.Length];
        new FrameHeader(payload.Length, kind, 0, callId).Write(frame);
        payload.CopyTo(frame, FrameHeader.Size);
        return frame;
    }
}
