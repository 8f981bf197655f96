using System.Buffers;
using BenchmarkDotNet.Attributes;
using Mesh.Calls;
using Mesh.Invocation;
using Mesh.Serialization;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Mesh.Benchmarks;

/// <summary>Encoding a request frame and decoding a receive buffer full of response frames.</summary>
[MemoryDiagnoser]
public class FrameBenchmarks
{
    private const int FramesPerBuffer = 64;
    private static readonly MeshMethod Method = new("Bench.Ping", "Ping", 0x1234_5678, isIdempotent: false);
    private IPayloadSerializer _serializer = null!;
    private ReadOnlySequence<byte> _received;
    private byte[] _header = new byte[FrameHeader.Size];

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        _serializer = new OrleansPayloadSerializer(services.GetRequiredService<Serializer>());
        using var writer = new PooledBufferWriter();
        for (var i = 0; i < FramesPerBuffer; i++)
        {
            var start = writer.Reserve(FrameHeader.Size);
            _serializer.Serialize(i, writer);
            var frame = writer.WrittenSpanForPatch[start..];
            new FrameHeader(frame.Length - FrameHeader.Size, FrameKind.Response, 0, i + 1).Write(frame);
        }

        _received = new ReadOnlySequence<byte>(writer.WrittenSpan.ToArray());
        _header = new byte[FrameHeader.Size];
    }

    /// <summary>What a proxy and the router do per call: rent a builder, write one int, patch the header.</summary>
    [Benchmark]
    public int EncodeRequest()
    {
        var request = RequestBuilder.Rent(Method, _serializer, 4 * 1024 * 1024);
        request.WriteArgument(42);
        var length = request.Frame(callId: 7, deadlineMilliseconds: 30_000).Length;
        request.Dispose();
        return length;
    }

    [Benchmark]
    public long EncodeDecodeHeader()
    {
        new FrameHeader(12, FrameKind.Response, 0, 99).Write(_header);
        return FrameHeader.Read(_header).CallId;
    }

    /// <summary>What the receive loop does per frame: parse 64 response frames out of one buffer.</summary>
    [Benchmark(OperationsPerInvoke = FramesPerBuffer)]
    public long DecodeFrames()
    {
        var buffer = _received;
        long sum = 0;
        while (FrameReader.TryRead(ref buffer, 4 * 1024 * 1024, out var header, out var payload))
        {
            sum += header.CallId + payload.Length;
        }

        return sum;
    }
}
