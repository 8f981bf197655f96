using System.Buffers;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Mesh.Diagnostics;
using Mesh.Runtime.Tests.TestServices;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>
/// An idle link holds no receive buffer while its read waits (plaintext and TLS) and gives its send buffers back.
/// </summary>
public sealed class IdleLinkTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ReceiveLoop_AllFramesParsed_HoldsNoReceiveBuffer(bool tls)
    {
        var pool = new CountingPool();
        await using var pair = await LinkPair.StartAsync(Settings() with { ReceivePool = pool }, tls);

        for (var i = 1; i <= 3; i++)
        {
            Assert.True(pair.Client.TrySend(Frame(i)));
            await pair.Server.FramesParsed(i).WaitAsync(Bound);

            // Every byte that arrived has been parsed: the read that waits for more holds nothing.
            Assert.Equal(0, pool.Outstanding);
        }

        Assert.True(pool.Rented >= 1);
    }

    [Fact]
    public async Task HeartbeatTick_LinkIdle_ReturnsSendBuffers()
    {
        await using var pair = await LinkPair.StartAsync(Settings(heartbeat: TimeSpan.FromMilliseconds(20)), tls: false);
        Assert.True(pair.Client.TrySend(Frame(1)));
        await pair.Server.FramesParsed(1).WaitAsync(Bound);

        await Eventually(() => !pair.Client.HoldsSendBuffers && !pair.Server.HoldsSendBuffers);
    }

    [Fact]
    public async Task Pings_PeerNeverReadsItsPongs_QueuedBytesStayBounded()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        var accept = listener.AcceptAsync();
        await raw.ConnectAsync(listener.LocalEndPoint!);
        var accepted = await accept;
        accepted.SendBufferSize = 4096;
        var metrics = new MeshMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
        await using var link = new TestLink(accepted, Settings(), metrics);
        link.Start();

        // 4 MiB of pings (262,144 of them) from a peer that never reads: 4 MiB of pongs would wait unsent without a bound.
        var pings = new byte[64 * 1024 * FrameHeader.Size];
        for (var i = 0; i < pings.Length; i += FrameHeader.Size)
        {
            new FrameHeader(0, FrameKind.Ping, 0, i).Write(pings.AsSpan(i));
        }

        for (var i = 0; i < 4; i++)
        {
            await raw.SendAsync(pings).WaitAsync(Bound);
        }

        // Frames are handled in order: once this one is parsed, every ping before it was answered or not.
        await raw.SendAsync(Frame(1)).WaitAsync(Bound);
        await link.FramesParsed(1).WaitAsync(Bound);

        Assert.InRange(link.QueuedBytes, 1, Connection.MaxQueuedBytesForPong + FrameHeader.Size);
    }

    private static LinkSettings Settings(TimeSpan? heartbeat = null)
    {
        var interval = heartbeat ?? TimeSpan.FromSeconds(10);

        // A timeout far past the interval: a slow machine must not cut the link while the test runs.
        return new LinkSettings(1024 * 1024, 4096, interval, interval * 1000);
    }

    private static byte[] Frame(long callId)
    {
        var frame = new byte[FrameHeader.Size + 8];
        new FrameHeader(8, FrameKind.Request, 0, callId).Write(frame);
        return frame;
    }

    private static async Task Eventually(Func<bool> condition)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (!condition())
        {
            await Task.Delay(5, bound.Token);
        }
    }

    /// <summary>Two ends of one loopback TCP connection, started without the mesh's handshake.</summary>
    private sealed class LinkPair : IAsyncDisposable
    {
        private readonly TestCertificates? _certificates;

        private LinkPair(TestLink client, TestLink server, TestCertificates? certificates)
        {
            Client = client;
            Server = server;
            _certificates = certificates;
        }

        public TestLink Client { get; }

        public TestLink Server { get; }

        public static async Task<LinkPair> StartAsync(LinkSettings settings, bool tls)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var accept = listener.AcceptAsync();
            await connecting.ConnectAsync(listener.LocalEndPoint!);
            var metrics = new MeshMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());
            var client = new TestLink(connecting, settings, metrics);
            var server = new TestLink(await accept, settings, metrics);
            TestCertificates? certificates = null;
            if (tls)
            {
                certificates = new TestCertificates();
                var clientTls = Tls(certificates, "client");
                var serverTls = Tls(certificates, "node-1");
                await Task.WhenAll(
                    client.SecureAsync(clientTls, asServer: false, Bound, CancellationToken.None),
                    server.SecureAsync(serverTls, asServer: true, Bound, CancellationToken.None));
            }

            // The connecting side pings (see Heartbeat); its handshake is what marks it.
            client.MarkConnectingSide();
            client.Start();
            server.Start();
            return new LinkPair(client, server, certificates);
        }

        private static LinkTls Tls(TestCertificates certificates, string node)
        {
            var options = new MeshOptions();
            certificates.Use(options, node);
            return LinkTls.From(options.Tls)!;
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
            _certificates?.Dispose();
        }
    }

    /// <summary>A connection that counts the frames it parsed.</summary>
    private sealed class TestLink(Socket socket, LinkSettings settings, MeshMetrics metrics)
        : Connection(socket, settings, metrics, NullLogger.Instance)
    {
        private readonly Lock _gate = new();
        private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
        private int _parsed;

        protected override string Role => "test";

        /// <summary>Completes once <paramref name="count"/> frames have been parsed and the read that held them has ended.</summary>
        public Task FramesParsed(int count)
        {
            lock (_gate)
            {
                if (_parsed >= count)
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, done));
                return done.Task;
            }
        }

        protected override void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> payload)
        {
            lock (_gate)
            {
                _parsed++;
            }
        }

        /// <summary>Runs after the read's buffer was advanced past every parsed frame.</summary>
        protected override void OnFramesRead()
        {
            lock (_gate)
            {
                foreach (var waiter in _waiters.Where(w => w.Count <= _parsed).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        protected override void OnClosed(Exception? error)
        {
        }
    }

    /// <summary>A memory pool that counts the blocks rented and not yet returned.</summary>
    private sealed class CountingPool : MemoryPool<byte>
    {
        private int _outstanding;
        private int _rented;

        public int Outstanding => Volatile.Read(ref _outstanding);

        public int Rented => Volatile.Read(ref _rented);

        public override int MaxBufferSize => int.MaxValue;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            Interlocked.Increment(ref _outstanding);
            Interlocked.Increment(ref _rented);
            return new Block(this, new byte[minBufferSize < 0 ? 4096 : minBufferSize]);
        }

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Block(CountingPool pool, byte[] array) : IMemoryOwner<byte>
        {
            private int _disposed;

            public Memory<byte> Memory => array;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    Interlocked.Decrement(ref pool._outstanding);
                }
            }
        }
    }
}
