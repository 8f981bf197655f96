using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace Mesh.LoadDriver.Peers;

/// <summary>
/// The floor: the simplest length-prefixed request/response echo over one TCP connection that batches in both
/// directions. A message is a u32 length (4) and an int; the server answers every complete request of a read
/// in order with value + 1, in one send; the client pipelines requests (see <see cref="Client"/>) and matches
/// answers in order.
/// </summary>
internal sealed class FloorPeer : IPeer
{
    private const int MessageSize = 8;

    public string Name => "floor";

    public string Configuration => "raw TCP, 8-byte frames; server answers every complete request of a read in one send; client: "
        + "callers append to one buffer, the first sends, the reader completes answers inline and sends their next requests in one write";

    public Task<IAsyncDisposable> StartServerAsync(Action<string> ready)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        var server = new Server(listener);
        ready(listener.LocalEndPoint!.ToString()!);
        return Task.FromResult<IAsyncDisposable>(server);
    }

    public async Task<IPingClient> ConnectAsync(string address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPEndPoint.Parse(address));
        var client = new Client(socket);
        await client.PingAsync(0, 0);
        return client;
    }

    private sealed class Server : IAsyncDisposable
    {
        private readonly Socket _listener;
        private readonly Task _accept;

        public Server(Socket listener)
        {
            _listener = listener;
            _accept = AcceptAsync();
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            try
            {
                await _accept;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }

        private async Task AcceptAsync()
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync();
                socket.NoDelay = true;
                _ = Task.Run(() => ServeAsync(socket));
            }
        }

        private static async Task ServeAsync(Socket socket)
        {
            var input = new byte[64 * 1024];
            var output = new byte[64 * 1024];
            var buffered = 0;
            try
            {
                while (true)
                {
                    var read = await socket.ReceiveAsync(input.AsMemory(buffered));
                    if (read == 0)
                    {
                        return;
                    }

                    buffered += read;
                    var consumed = 0;
                    var written = 0;
                    while (buffered - consumed >= 4)
                    {
                        var length = BinaryPrimitives.ReadInt32LittleEndian(input.AsSpan(consumed));
                        if (length != 4)
                        {
                            return;
                        }

                        if (buffered - consumed < 4 + length)
                        {
                            break;
                        }

                        var value = BinaryPrimitives.ReadInt32LittleEndian(input.AsSpan(consumed + 4));
                        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(written), 4);
                        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(written + 4), value + 1);
                        written += MessageSize;
                        consumed += 4 + length;
                    }

                    input.AsSpan(consumed, buffered - consumed).CopyTo(input);
                    buffered -= consumed;
                    if (written > 0)
                    {
                        await socket.SendAsync(output.AsMemory(0, written));
                    }
                }
            }
            catch (SocketException)
            {
            }
            finally
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>
    /// Batches in both directions with no thread hop on the hot path: a caller appends its request to a shared buffer
    /// and, when no send is under way, sends it itself; the reader completes every answer of a read inline (the
    /// callers' continuations run on it and append their next requests), then sends everything they appended in one
    /// write. Mesh's link works the same way, so this is the floor its own design could reach.
    /// </summary>
    private sealed class Client : IPingClient
    {
        private readonly Socket _socket;
        private readonly Lock _gate = new();
        private readonly Queue<Waiter> _waiting = new();
        private readonly Task _receive;
        private readonly Waiter[] _waiters = [.. Enumerable.Range(0, 1024).Select(_ => new Waiter())];
        private byte[] _pending = new byte[64 * 1024];
        private byte[] _sending = new byte[64 * 1024];
        private int _pendingCount;
        private bool _sendInProgress;
        private bool _readerCompleting;
        private volatile bool _closed;

        public Client(Socket socket)
        {
            _socket = socket;
            _receive = Task.Run(ReceiveLoopAsync);
        }

        public ValueTask<int> PingAsync(int worker, int value)
        {
            var waiter = _waiters[worker % _waiters.Length];
            var task = waiter.Begin();
            lock (_gate)
            {
                if (_pendingCount + MessageSize > _pending.Length)
                {
                    Array.Resize(ref _pending, _pending.Length * 2);
                }

                BinaryPrimitives.WriteInt32LittleEndian(_pending.AsSpan(_pendingCount), 4);
                BinaryPrimitives.WriteInt32LittleEndian(_pending.AsSpan(_pendingCount + 4), value);
                _pendingCount += MessageSize;
                _waiting.Enqueue(waiter);
                if (_sendInProgress || _readerCompleting)
                {
                    // The running send, or the reader when it has completed this read's answers, sends it.
                    return task;
                }

                _sendInProgress = true;
            }

            _ = SendPendingAsync();
            return task;
        }

        public async ValueTask DisposeAsync()
        {
            _closed = true;
            _socket.Dispose();
            await _receive.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        /// <summary>Sends what callers appended until nothing is left; only one runs at a time (<see cref="_sendInProgress"/>).</summary>
        private async Task SendPendingAsync()
        {
            try
            {
                while (!_closed)
                {
                    int count;
                    lock (_gate)
                    {
                        if (_pendingCount == 0)
                        {
                            _sendInProgress = false;
                            return;
                        }

                        (_pending, _sending) = (_sending, _pending);
                        count = _pendingCount;
                        _pendingCount = 0;
                    }

                    var sent = 0;
                    while (sent < count)
                    {
                        sent += await _socket.SendAsync(_sending.AsMemory(sent, count - sent));
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                _closed = true;
            }
        }

        private async Task ReceiveLoopAsync()
        {
            var input = new byte[64 * 1024];
            var buffered = 0;
            while (!_closed)
            {
                var read = await _socket.ReceiveAsync(input.AsMemory(buffered));
                if (read == 0)
                {
                    return;
                }

                buffered += read;
                var consumed = 0;
                lock (_gate)
                {
                    _readerCompleting = true;
                }

                while (buffered - consumed >= MessageSize)
                {
                    var value = BinaryPrimitives.ReadInt32LittleEndian(input.AsSpan(consumed + 4));
                    Waiter waiter;
                    lock (_gate)
                    {
                        waiter = _waiting.Dequeue();
                    }

                    // Runs the caller's continuation here; its next request joins this read's batch.
                    waiter.Complete(value);
                    consumed += MessageSize;
                }

                input.AsSpan(consumed, buffered - consumed).CopyTo(input);
                buffered -= consumed;
                bool send;
                lock (_gate)
                {
                    _readerCompleting = false;
                    send = _pendingCount > 0 && !_sendInProgress;
                    _sendInProgress |= send;
                }

                if (send)
                {
                    await SendPendingAsync();
                }
            }
        }
    }

    /// <summary>A caller's reusable completion (one call at a time per caller).</summary>
    private sealed class Waiter : IValueTaskSource<int>
    {
        private ManualResetValueTaskSourceCore<int> _core = new() { RunContinuationsAsynchronously = false };

        public ValueTask<int> Begin()
        {
            _core.Reset();
            return new ValueTask<int>(this, _core.Version);
        }

        public void Complete(int value) => _core.SetResult(value);

        public int GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags);
    }
}
