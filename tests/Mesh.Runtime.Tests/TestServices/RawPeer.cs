using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Mesh.Transport;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>A hand-driven socket that speaks (or breaks) the wire protocol, for robustness tests.</summary>
internal sealed class RawPeer(Socket socket, int bufferSize = 64 * 1024) : IDisposable
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private int _buffered;

    public static async Task<RawPeer> ConnectAsync(IPEndPoint endPoint, int bufferSize = 64 * 1024)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endPoint).WaitAsync(TestCluster.Bound);
        return new RawPeer(socket, bufferSize);
    }

    public static byte[] PrefaceAndHello(HelloMessage hello)
    {
        using var writer = new PooledBufferWriter();
        Protocol.WritePreface(writer.GetSpan(Protocol.PrefaceSize));
        writer.Advance(Protocol.PrefaceSize);
        hello.WriteFrame(writer);
        return writer.WrittenSpan.ToArray();
    }

    public Task SendAsync(byte[] bytes) => socket.SendAsync(bytes).WaitAsync(TestCluster.Bound);

    /// <summary>Reads the peer's preface and hello.</summary>
    public async Task<HelloMessage> ReadHelloAsync()
    {
        await FillAsync(Protocol.PrefaceSize);
        Protocol.ValidatePreface(_buffer.AsSpan(0, Protocol.PrefaceSize));
        Consume(Protocol.PrefaceSize);
        var (header, payload) = await ReadFrameAsync();
        Assert.Equal(FrameKind.Hello, header.Kind);
        return HelloMessage.Read(new ReadOnlySequence<byte>(payload));
    }

    /// <summary>Reads the next <paramref name="count"/> bytes as they are.</summary>
    public async Task<byte[]> ReadBytesAsync(int count)
    {
        await FillAsync(count);
        var bytes = _buffer.AsSpan(0, count).ToArray();
        Consume(count);
        return bytes;
    }

    public async Task<(FrameHeader Header, byte[] Payload)> ReadFrameAsync()
    {
        await FillAsync(FrameHeader.Size);
        var header = FrameHeader.Read(_buffer);
        await FillAsync(FrameHeader.Size + header.PayloadLength);
        var payload = _buffer.AsSpan(FrameHeader.Size, header.PayloadLength).ToArray();
        Consume(FrameHeader.Size + header.PayloadLength);
        return (header, payload);
    }

    /// <summary>Reads the next frame that is not link upkeep (heartbeats, load reports).</summary>
    public async Task<(FrameHeader Header, byte[] Payload)> ReadCallFrameAsync()
    {
        while (true)
        {
            var frame = await ReadFrameAsync();
            if (frame.Header.Kind is not (FrameKind.Ping or FrameKind.Pong or FrameKind.LoadReport))
            {
                return frame;
            }
        }
    }

    /// <summary>Waits until the node closes the connection; returns how many bytes it sent before (and unread so far).</summary>
    public async Task<long> WaitForCloseAsync()
    {
        long received = _buffered;
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(_buffer.AsMemory(_buffered)).AsTask().WaitAsync(TestCluster.Bound);
            }
            catch (SocketException)
            {
                return received;
            }

            if (read == 0)
            {
                return received;
            }

            received += read;
            _buffered = 0;
        }
    }

    public void Dispose() => socket.Dispose();

    private async Task FillAsync(int count)
    {
        while (_buffered < count)
        {
            var read = await socket.ReceiveAsync(_buffer.AsMemory(_buffered)).AsTask().WaitAsync(TestCluster.Bound);
            Assert.True(read > 0, "the peer closed the connection");
            _buffered += read;
        }
    }

    private void Consume(int count)
    {
        _buffer.AsSpan(count, _buffered - count).CopyTo(_buffer);
        _buffered -= count;
    }
}
