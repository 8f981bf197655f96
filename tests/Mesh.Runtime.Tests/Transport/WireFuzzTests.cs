using System.Buffers;
using CsCheck;
using Mesh.Runtime.Tests.TestServices;
using Mesh.Transport;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>
/// Property-based fuzzing of everything a peer controls before and after the handshake: the preface, the
/// hello, frame headers and error payloads. Whatever the bytes, parsing either succeeds within the frame
/// limit, asks for more bytes, or fails with <see cref="ProtocolException"/> (which closes that one link);
/// nothing else escapes. Bounded by iteration counts so CI time is fixed.
/// </summary>
public sealed class WireFuzzTests
{
    private const int MaxFrameSize = 4096;
    private const long Iterations = 20_000;

    private static readonly byte[] ValidStream = BuildValidStream();

    [Fact]
    public void Parse_RandomBytes_OnlyProtocolExceptionsAndFramesWithinTheLimit()
        => Gen.Byte.Array[0, 256].Sample(bytes => Assert.True(ParseSucceedsOrRefuses(bytes)), iter: Iterations, threads: 1);

    [Fact]
    public void Parse_MutatedValidStream_OnlyProtocolExceptionsAndFramesWithinTheLimit()
    {
        var mutation = Gen.Select(
            Gen.Int[0, ValidStream.Length - 1].Array[1, 8],
            Gen.Byte.Array[8],
            Gen.Int[0, ValidStream.Length]);
        mutation.Sample(
            m =>
            {
                var (positions, values, length) = m;
                var bytes = ValidStream.AsSpan(0, length).ToArray();
                for (var i = 0; i < positions.Length; i++)
                {
                    if (positions[i] < bytes.Length)
                    {
                        bytes[positions[i]] = values[i];
                    }
                }

                Assert.True(ParseSucceedsOrRefuses(bytes));
            },
            iter: Iterations,
            threads: 1);
    }

    [Fact]
    public void Parse_ValidStreamSplitAnywhere_ReadsEveryFrame()
        => Gen.Int[0, ValidStream.Length].Sample(
            split =>
            {
                var first = new Segment(ValidStream.AsMemory(0, split));
                var last = first.Append(ValidStream.AsMemory(split));
                var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
                Assert.Equal(4, Parse(sequence).Frames);
            },
            iter: 2_000,
            threads: 1);

    [Fact]
    public async Task Serve_FuzzedHandshakesAndFrames_OtherLinksKeepWorking()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        var random = new Random(4);
        for (var i = 0; i < 40; i++)
        {
            var bytes = ValidStream.AsSpan(0, random.Next(ValidStream.Length + 1)).ToArray();
            for (var flips = random.Next(1, 4); flips > 0 && bytes.Length > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            using var raw = await RawPeer.ConnectAsync(cluster.Servers[0].EndPoint);
            await raw.SendAsync(bytes);
        }

        var reply = await cluster.ClientService<ITestService>().Echo(11).WaitAsync(TestCluster.Bound);
        Assert.Equal(11, reply.Value);
    }

    // Regression cases: each class of hostile input named in the issue.
    [Theory]
    [InlineData("oversized")]
    [InlineData("unknown-kind")]
    [InlineData("reserved-bytes")]
    [InlineData("wrong-version")]
    [InlineData("garbage-preface")]
    [InlineData("truncated-hello")]
    [InlineData("negative-length")]
    public void Parse_HostileInput_ProtocolException(string kind)
    {
        var bytes = ValidStream.ToArray();
        switch (kind)
        {
            case "oversized":
                BitConverter.TryWriteBytes(bytes.AsSpan(Protocol.PrefaceSize), MaxFrameSize + 1);
                break;
            case "unknown-kind":
                bytes[Protocol.PrefaceSize + 4] = 42;
                break;
            case "reserved-bytes":
                bytes[Protocol.PrefaceSize + 6] = 1;
                break;
            case "wrong-version":
                bytes[4] = 99;
                break;
            case "garbage-preface":
                "GET /"u8.CopyTo(bytes);
                break;
            case "truncated-hello":
                BitConverter.TryWriteBytes(bytes.AsSpan(Protocol.PrefaceSize), 3);
                break;
            case "negative-length":
                BitConverter.TryWriteBytes(bytes.AsSpan(Protocol.PrefaceSize), -5);
                break;
        }

        Assert.Throws<ProtocolException>(() => Parse(new ReadOnlySequence<byte>(bytes)));
    }

    /// <summary>A preface, a hello, then a request, an error, a ping and a go-away frame.</summary>
    private static byte[] BuildValidStream()
    {
        using var writer = new PooledBufferWriter();
        Protocol.WritePreface(writer.GetSpan(Protocol.PrefaceSize));
        writer.Advance(Protocol.PrefaceSize);
        new HelloMessage("node-1", "mesh", [new HostedServiceInfo("Svc", [1, 2, 3])]).WriteFrame(writer);
        var request = writer.Reserve(FrameHeader.Size + Protocol.RequestPrefixSize + 4);
        new FrameHeader(Protocol.RequestPrefixSize + 4, FrameKind.Request, 0, 7).Write(writer.WrittenSpanForPatch[request..]);
        new ErrorMessage(ErrorCode.Overloaded, "Mesh.Overloaded", "overloaded").WriteFrame(writer, 7);
        var ping = writer.Reserve(FrameHeader.Size);
        new FrameHeader(0, FrameKind.Ping, 0, 0).Write(writer.WrittenSpanForPatch[ping..]);
        var goAway = writer.Reserve(FrameHeader.Size);
        new FrameHeader(0, FrameKind.GoAway, 0, 0).Write(writer.WrittenSpanForPatch[goAway..]);
        return writer.WrittenSpan.ToArray();
    }

    private static bool ParseSucceedsOrRefuses(byte[] bytes)
    {
        try
        {
            Parse(new ReadOnlySequence<byte>(bytes));
        }
        catch (ProtocolException)
        {
        }

        return true;
    }

    /// <summary>What a connection does with received bytes: preface, hello, then frames.</summary>
    private static (HelloMessage? Hello, int Frames) Parse(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < Protocol.PrefaceSize)
        {
            return (null, 0);
        }

        Protocol.ValidatePreface(buffer.Slice(0, Protocol.PrefaceSize).ToArray());
        buffer = buffer.Slice(Protocol.PrefaceSize);
        if (!FrameReader.TryRead(ref buffer, MaxFrameSize, out var header, out var payload))
        {
            return (null, 0);
        }

        if (header.Kind != FrameKind.Hello)
        {
            throw new ProtocolException("expected a hello");
        }

        var hello = HelloMessage.Read(payload);
        var frames = 0;
        while (FrameReader.TryRead(ref buffer, MaxFrameSize, out header, out payload))
        {
            Assert.InRange(payload.Length, 0, MaxFrameSize);
            if (header.Kind == FrameKind.Error)
            {
                ErrorMessage.Read(payload);
            }

            frames++;
        }

        return (hello, frames);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
