using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Mesh.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Mesh.Transport;

/// <summary>
/// One TCP connection between two nodes: the handshake, a receive loop that parses frames from a pipe,
/// and a batching send loop. Subclasses handle the frames of their side (caller or server).
/// </summary>
internal abstract class Connection : IAsyncDisposable
{
    private readonly Socket _socket;
    private Stream _stream;
    private PipeReader _reader;
    private readonly FrameSender _sender = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LinkSettings _settings;
    private long _nextHeartbeat = long.MaxValue;
    private int _abortQueued;
    private long _lastReceived;
    private long _partialSince;
    private bool _initiator;
    private string? _abortReason;
    private int _closing;
    private Task? _run;

    // The receive loop runs each read's work inline (see OnFramesRead). While it does, _inlineTicket names that drain
    // (0: the loop is reading); the watchdog takes the reader over from a drain stuck longer than HeldLimitMilliseconds
    // by swapping the ticket to 0 and starting a new loop, and the stuck loop, when it returns, finds its ticket gone
    // and ends without touching the reader.
    private readonly TaskCompletionSource _receiveEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _inlineTicket;
    private long _inlineTickets;
    private long _inlineSince;

    // 1 while the watchdog visits this link only when its heartbeat is due (see LinkWatchdog and TryGoQuiet); the next
    // frame queued (FrameSender.TryEnqueue) or read (ReceiveAsync) sets it back to 0 and wakes the link.
    private int _quiet;
    private int _watched = 1;
    private long _workReads;

    // The watchdog thread's own: reads with work seen at its last tick, and idle ticks since.
    private long _seenWorkReads;
    private int _idleTicks;

    private readonly MeshMetrics _metrics;

    /// <summary>A ping is answered only while the link holds less than this unsent (a peer reading nothing gets no more pongs).</summary>
    internal const long MaxQueuedBytesForPong = 64 * 1024;

    protected Connection(Socket socket, LinkSettings settings, MeshMetrics metrics, ILogger logger)
    {
        _metrics = metrics;
        _settings = settings;
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = CreateReader(_stream, settings);
        MaxFrameSize = settings.MaxFrameSize;
        Logger = logger;
        RemoteEndPoint = socket.RemoteEndPoint as IPEndPoint;
    }

    public IPEndPoint? RemoteEndPoint { get; }

    /// <summary>The peer's identity from its TLS certificate (see <see cref="LinkTls.IdentityOf"/>), or null on a plaintext link.</summary>
    public string? PeerIdentity { get; private set; }

    /// <summary>
    /// Runs the TLS handshake (both sides present certificates) before anything else is exchanged; from then on every
    /// byte of the link is encrypted. Throws <see cref="System.Security.Authentication.AuthenticationException"/> when the
    /// peer's certificate is not trusted or it does not speak TLS.
    /// </summary>
    public async Task SecureAsync(LinkTls tls, bool asServer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abort.Token);
        timeoutCts.CancelAfter(timeout);
        var ssl = new System.Net.Security.SslStream(_stream, leaveInnerStreamOpen: false);
        try
        {
            if (asServer)
            {
                await ssl.AuthenticateAsServerAsync(tls.ServerOptions(), timeoutCts.Token).ConfigureAwait(false);
            }
            else
            {
                await ssl.AuthenticateAsClientAsync(tls.ClientOptions(), timeoutCts.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"the TLS handshake with {RemoteEndPoint} did not complete within {timeout.TotalMilliseconds:0} ms");
        }

        PeerIdentity = LinkTls.IdentityOf(ssl.RemoteCertificate);
        _stream = ssl;
        _reader = CreateReader(ssl, _settings);
    }

    /// <summary>
    /// The receive pipe. A waiting read holds no buffer: it is a zero-byte read on the stream (the socket, or the
    /// <see cref="System.Net.Security.SslStream"/> over it, which passes it down) that completes when data arrives, and
    /// only then is a buffer rented; once every byte is parsed the buffer goes back to the pool. Reads rent 16 KiB, not
    /// 64: idle links' heartbeats arrive together, and every read at once fills the shared pool with buffers of this size
    /// (64 KiB left ~4.6 MB cached per process at 512 idle links; calls per second at 256 in flight did not change).
    /// </summary>
    private static PipeReader CreateReader(Stream stream, LinkSettings settings)
        => PipeReader.Create(stream, new StreamPipeReaderOptions(
            pool: settings.ReceivePool,
            bufferSize: 16 * 1024,
            minimumReadSize: 4 * 1024,
            leaveOpen: true,
            useZeroByteReads: true));

    /// <summary>The peer's hello, once the handshake has completed.</summary>
    public HelloMessage? Remote { get; private set; }

    /// <summary>The features the peer offered in its preface (<see cref="Protocol.Features"/>).</summary>
    public ushort RemoteFeatures { get; private set; }

    /// <summary>
    /// The largest frame payload the peer accepts, as its hello announced it (<see cref="Protocol.FrameSizeInHelloFeature"/>);
    /// null for a peer of a build that does not announce it.
    /// </summary>
    public int? RemoteMaxFrameSize { get; private set; }

    /// <summary>Completes when the connection has closed, for whatever reason.</summary>
    public Task Closed => _closed.Task;

    public bool IsClosing => Volatile.Read(ref _closing) != 0;

    protected int MaxFrameSize { get; }

    protected ILogger Logger { get; }

    protected abstract string Role { get; }

    /// <summary>
    /// The handshake as the connecting side: sends the preface and <paramref name="local"/>, then reads and validates
    /// the peer's preface and hello.
    /// </summary>
    public async Task<HelloMessage> HandshakeAsync(HelloMessage local, TimeSpan timeout, CancellationToken cancellationToken)
    {
        MarkConnectingSide();
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abort.Token);
        timeoutCts.CancelAfter(timeout);
        try
        {
            await SendHelloAsync(local, timeoutCts.Token).ConfigureAwait(false);
            return await ReadHelloAsync(timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the handshake with {RemoteEndPoint} did not complete within {timeout.TotalMilliseconds:0} ms");
        }
    }

    /// <summary>This end opened the link: it keeps the link alive with its pings (see <see cref="Heartbeat"/>).</summary>
    internal void MarkConnectingSide() => Volatile.Write(ref _initiator, true);

    /// <summary>
    /// The handshake as the accepting side: reads and validates the peer's preface and hello, lets
    /// <paramref name="accept"/> refuse it (by throwing <see cref="ProtocolException"/>), and only then sends the
    /// preface and <paramref name="local"/>, so a peer learns nothing of this node (id, services, methods) before it
    /// has presented itself.
    /// </summary>
    public async Task<HelloMessage> AcceptHandshakeAsync(HelloMessage local, Action<HelloMessage> accept, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abort.Token);
        timeoutCts.CancelAfter(timeout);
        try
        {
            var remote = await ReadHelloAsync(timeoutCts.Token).ConfigureAwait(false);
            accept(remote);
            await SendHelloAsync(local, timeoutCts.Token).ConfigureAwait(false);
            return remote;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the handshake with {RemoteEndPoint} did not complete within {timeout.TotalMilliseconds:0} ms");
        }
    }

    private async Task SendHelloAsync(HelloMessage local, CancellationToken cancellationToken)
    {
        using var hello = new PooledBufferWriter();
        Protocol.WritePreface(hello.GetSpan(Protocol.PrefaceSize), _settings.Features);
        hello.Advance(Protocol.PrefaceSize);
        local.WriteFrame(hello, MaxFrameSize);
        await _stream.WriteAsync(hello.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HelloMessage> ReadHelloAsync(CancellationToken cancellationToken)
    {
        var prefaceRead = false;
        var preface = new byte[Protocol.PrefaceSize];
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (!prefaceRead && buffer.Length >= Protocol.PrefaceSize)
            {
                buffer.Slice(0, Protocol.PrefaceSize).CopyTo(preface);
                RemoteFeatures = Protocol.ValidatePreface(preface);
                buffer = buffer.Slice(Protocol.PrefaceSize);
                prefaceRead = true;
            }

            if (prefaceRead && FrameReader.TryRead(ref buffer, Math.Min(MaxFrameSize, _settings.MaxHelloSize), out var header, out var payload))
            {
                if (header.Kind != FrameKind.Hello)
                {
                    throw new ProtocolException($"expected a hello frame, got {header.Kind}");
                }

                var remote = HelloMessage.Read(payload);
                if ((RemoteFeatures & Protocol.FrameSizeInHelloFeature) != 0 && header.CallId != 0)
                {
                    if (header.CallId is < Protocol.MinAnnouncedFrameSize or > Protocol.MaxAnnouncedFrameSize)
                    {
                        throw new ProtocolException($"the peer's hello announces a MaxFrameSize of {header.CallId} bytes (allowed: {Protocol.MinAnnouncedFrameSize} to {Protocol.MaxAnnouncedFrameSize})");
                    }

                    RemoteMaxFrameSize = (int)header.CallId;
                }

                _reader.AdvanceTo(buffer.Start);
                Remote = remote;
                return remote;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new ProtocolException("the peer closed the connection during the handshake");
            }
        }
    }

    /// <summary>
    /// Starts the receive and send loops (after a successful handshake) and the heartbeat: on an idle link the
    /// connecting side sends a ping every <see cref="MeshOptions.HeartbeatInterval"/> (see <see cref="Heartbeat"/>), a
    /// link that has received nothing (no frame, no pong) for <see cref="MeshOptions.HeartbeatTimeout"/> is declared
    /// dead and aborted, and an idle link's send buffers go back to the pool.
    /// </summary>
    public void Start()
    {
        Volatile.Write(ref _lastReceived, Environment.TickCount64);

        // Before the loops start: their end removes the link.
        LinkWatchdog.Add(this);
        _metrics.RecordLink(Role, 1);
        _run = RunAsync();

        // The watchdog's tick runs the heartbeat (see TickHeartbeat): no timer, and no thread woken, per link.
        Volatile.Write(ref _nextHeartbeat, Heartbeat.NextTick(Environment.TickCount64, _settings.HeartbeatInterval));
    }

    /// <summary>Whether the link holds send buffers (false once idle for a heartbeat tick).</summary>
    internal bool HoldsSendBuffers => _sender.HoldsBuffers;

    /// <summary>Bytes queued on this link and not yet taken by the peer (see <see cref="FrameSender.QueuedBytes"/>).</summary>
    public long QueuedBytes => _sender.QueuedBytes;

    /// <summary>Queues a complete frame for sending; false when the connection is closing.</summary>
    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        if (!_sender.TryEnqueue(frame, ref _quiet, out var woke))
        {
            return false;
        }

        if (woke)
        {
            LinkWatchdog.Wake(this);
        }

        _metrics.RecordBytes(Role, received: false, frame.Length);
        return true;
    }

    /// <summary>Queues a frame that has only a header.</summary>
    public bool TrySendEmpty(FrameKind kind, long callId)
    {
        Span<byte> frame = stackalloc byte[FrameHeader.Size];
        new FrameHeader(0, kind, 0, callId).Write(frame);
        return TrySend(frame);
    }

    /// <summary>
    /// Queues a frame of link upkeep (a heartbeat, a load report) for which nothing waits. It does not wake a quiet
    /// link: nothing about it needs the watchdog, so an idle link's upkeep leaves it quiet.
    /// </summary>
    public bool TrySendUpkeep(ReadOnlySpan<byte> frame)
    {
        var unused = 0;
        if (!_sender.TryEnqueue(frame, ref unused, out _))
        {
            return false;
        }

        _metrics.RecordBytes(Role, received: false, frame.Length);
        return true;
    }

    private void TrySendUpkeep(FrameKind kind, long callId)
    {
        Span<byte> frame = stackalloc byte[FrameHeader.Size];
        new FrameHeader(0, kind, 0, callId).Write(frame);
        TrySendUpkeep(frame);
    }

    /// <summary>
    /// Closes gracefully: stops accepting frames, sends what is queued, half-closes, and waits for the peer
    /// to close its side; aborts if that takes longer than <paramref name="timeout"/>.
    /// </summary>
    public void CloseGracefully(TimeSpan timeout)
    {
        if (Interlocked.CompareExchange(ref _closing, 1, 0) != 0)
        {
            return;
        }

        _sender.Complete();
        if (_run is null)
        {
            Abort(null);
            return;
        }

        try
        {
            _abort.CancelAfter(timeout);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Closes at once; pending work fails.</summary>
    public void Abort(string? reason)
    {
        Interlocked.Exchange(ref _closing, 1);
        if (reason is not null)
        {
            Interlocked.CompareExchange(ref _abortReason, reason, null);
            MeshLog.ConnectionAborted(Logger, Role, RemoteEndPoint, Remote?.NodeId, reason);
        }

        _sender.Complete();
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
        if (_run is null)
        {
            _closed.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Abort(null);
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }

        _reader.Complete();
        _sender.Dispose();
        _abort.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Handles one frame other than hello and heartbeats. Runs on the receive loop: must not block.</summary>
    protected abstract void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> payload);

    /// <summary>
    /// Called on the receive loop after each read's frames have been handled, to run the work they queued (see
    /// <see cref="BatchDispatcher{TItem}.RunHere"/>). May run long or even block: the watchdog then moves the
    /// reading to another thread.
    /// </summary>
    protected virtual void OnFramesRead()
    {
    }

    /// <summary>
    /// Called by <see cref="LinkWatchdog"/>: sends frames a blocked batch has held too long, and lets the work
    /// queued behind a blocked item run on another thread.
    /// </summary>
    internal void RescueBlockedWork(long now)
    {
        _sender.ReleaseIfHeld(LinkWatchdog.HeldLimitMilliseconds, now);
        TakeOverStuckReceive(now);
        OnRescue(now);
    }

    /// <summary>Where the link is in <see cref="LinkWatchdog"/>'s lists; read and written by its thread only.</summary>
    internal int WatchState { get; set; }

    /// <summary>When the link last read anything, heartbeats included (<see cref="Environment.TickCount64"/>).</summary>
    internal long LastReceived => Volatile.Read(ref _lastReceived);

    /// <summary>Whether <see cref="LinkWatchdog"/> still watches the link (until <see cref="StopWatching"/>).</summary>
    internal bool IsWatched => Volatile.Read(ref _watched) != 0;

    /// <summary>When the heartbeat runs next (<see cref="Environment.TickCount64"/>; <see cref="long.MaxValue"/> once closed).</summary>
    internal long NextHeartbeat => Volatile.Read(ref _nextHeartbeat);

    /// <summary>Whether the watchdog visits the link only at heartbeats now (for tests).</summary>
    internal bool IsQuiet => Volatile.Read(ref _quiet) != 0;

    /// <summary>Ends the watch; true the first time.</summary>
    internal bool StopWatching() => Interlocked.Exchange(ref _watched, 0) != 0;

    /// <summary>
    /// Called by <see cref="LinkWatchdog"/> on an active link every tick: once the link has, for
    /// <see cref="LinkWatchdog.QuietAfterTicks"/> ticks in a row, read nothing but heartbeats, run no read's work, had
    /// nothing in flight (<see cref="HasNothingInFlight"/>) and nothing queued, marks it quiet and returns true. A read
    /// or a frame queued at the same moment either stops it or finds the mark and wakes the link: both sides write,
    /// then fence, then read the other's field (the sender's side under the sender's lock).
    /// </summary>
    internal bool TryGoQuiet()
    {
        var reads = Volatile.Read(ref _workReads);
        if (reads != _seenWorkReads || Volatile.Read(ref _inlineTicket) != 0 || _sender.QueuedBytes != 0 || !HasNothingInFlight())
        {
            _seenWorkReads = reads;
            _idleTicks = 0;
            return false;
        }

        if (++_idleTicks < LinkWatchdog.QuietAfterTicks)
        {
            return false;
        }

        _idleTicks = 0;
        if (!_sender.TryMarkQuiet(ref _quiet))
        {
            return false;
        }

        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _inlineTicket) == 0 && Volatile.Read(ref _workReads) == reads && HasNothingInFlight())
        {
            OnQuiet();
            return true;
        }

        Interlocked.Exchange(ref _quiet, 0);
        return false;
    }

    /// <summary>
    /// Whether no call or stream is in flight on the link and no work is queued for it: nothing whose deadline or
    /// progress the watchdog must check every tick. Links that never go quiet return false.
    /// </summary>
    protected virtual bool HasNothingInFlight() => true;

    /// <summary>
    /// Called by <see cref="LinkWatchdog"/> once the link went quiet: gives back what only work needs (a woken link
    /// allocates it again). Work may arrive while it runs: what it releases must stay correct to use.
    /// </summary>
    protected virtual void OnQuiet()
    {
    }

    /// <summary>
    /// Called every <see cref="LinkWatchdog.Period"/> (and when a read breaks the link): adds a drainer when the running
    /// ones have made no progress for a while, and ends the calls whose deadline has passed (no call arms a timer).
    /// </summary>
    protected virtual void OnRescue(long now)
    {
    }

    /// <summary>Called once when the connection has closed.</summary>
    protected abstract void OnClosed(Exception? error);

    /// <summary>
    /// Called by <see cref="LinkWatchdog"/> on every tick (its own thread, which wakes anyway): runs the heartbeat once
    /// per <see cref="MeshOptions.HeartbeatInterval"/>. Thousands of idle links then cost one wake-up per tick for the
    /// whole process instead of a timer callback each on the thread pool. A ping it sends is written on this thread
    /// (the write does not block); an abort goes to the thread pool, since failing the calls in flight is real work.
    /// </summary>
    internal void TickHeartbeat(long now)
    {
        if (now < Volatile.Read(ref _nextHeartbeat))
        {
            return;
        }

        Volatile.Write(ref _nextHeartbeat, Heartbeat.NextTick(now, _settings.HeartbeatInterval));
        OnHeartbeat(now);
    }

    private void AbortElsewhere(string reason)
    {
        // Once: a starved pool must not get the same abort queued at every tick.
        if (Interlocked.Exchange(ref _abortQueued, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Link.Abort(state.Reason), (Link: this, Reason: reason), preferLocal: false);
        }
    }

    private void OnHeartbeat(long now)
    {
        if (IsClosing)
        {
            return;
        }

        var partialSince = Volatile.Read(ref _partialSince);
        if (partialSince != 0 && now - partialSince > (long)_settings.FrameTimeout.TotalMilliseconds)
        {
            AbortElsewhere($"a frame that started to arrive {now - partialSince} ms ago is still incomplete (MeshOptions.FrameTimeout is {_settings.FrameTimeout.TotalMilliseconds:0} ms)");
            return;
        }

        // Nothing queued since the last tick's frames left: give the send buffers back until the next frame (before
        // this tick's ping, which then rents only a small one).
        _sender.TrimIfIdle();

        var silent = now - Volatile.Read(ref _lastReceived);
        // The timeout adds this process's own recent lag: a starved node blames itself before the peer.
        var lag = LocalLag.Shared.RecentMilliseconds(Environment.TickCount64);
        switch (Heartbeat.Decide(silent, Volatile.Read(ref _initiator), _settings.HeartbeatInterval, _settings.HeartbeatTimeout + TimeSpan.FromMilliseconds(lag)))
        {
            case HeartbeatAction.Dead:
                AbortElsewhere($"the peer sent nothing for {silent} ms (MeshOptions.HeartbeatTimeout is {_settings.HeartbeatTimeout.TotalMilliseconds:0} ms, this process lagged up to {lag} ms): it is dead or unreachable");
                return;
            case HeartbeatAction.Ping:
                TrySendUpkeep(FrameKind.Ping, 0);
                break;
        }
    }

    private async Task RunAsync()
    {
        Exception? error = null;
        var send = SendLoopAsync();
        try
        {
            _ = ReceiveLoopAsync();
            await _receiveEnded.Task.ConfigureAwait(false);
        }
        catch (ProtocolException ex)
        {
            error = ex;
            MeshLog.ProtocolViolation(Logger, Role, RemoteEndPoint, Remote?.NodeId, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            error = ex;
        }
        catch (Exception ex)
        {
            error = ex;
            MeshLog.ConnectionFailed(Logger, ex, Role, RemoteEndPoint, Remote?.NodeId);
        }

        // The peer is gone or broke the protocol: stop sending too.
        if (!IsClosing || error is not null)
        {
            Interlocked.Exchange(ref _closing, 1);
            _sender.Complete();
        }

        try
        {
            await send.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            error ??= ex;
        }

        _socket.Dispose();
        Volatile.Write(ref _nextHeartbeat, long.MaxValue);
        LinkWatchdog.Remove(this);
        _metrics.RecordLink(Role, -1);
        if (Volatile.Read(ref _abortReason) is { } abortReason)
        {
            // Calls failing because of the abort say why the link was cut.
            error = new IOException(abortReason, error);
        }

        try
        {
            OnClosed(error);
        }
        finally
        {
            _closed.TrySetResult();
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await _sender.RunAsync(_stream, _abort.Token).ConfigureAwait(false);
            if (IsClosing)
            {
                // Everything queued is sent; tell the peer we are done so its receive loop ends.
                _socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The receive loop notices the broken connection too; make sure it does.
            Abort(null);
            throw;
        }
    }

    /// <summary>Runs one receive loop; its end (or failure) ends the receive side, unless the watchdog took the reader over.</summary>
    private async Task ReceiveLoopAsync()
    {
        try
        {
            if (await ReceiveAsync().ConfigureAwait(false))
            {
                _receiveEnded.TrySetResult();
            }
        }
        catch (Exception ex)
        {
            _receiveEnded.TrySetException(ex);
        }
    }

    /// <summary>
    /// Called by <see cref="LinkWatchdog"/>: when the receive loop has been running a read's work for longer than
    /// <see cref="LinkWatchdog.HeldLimitMilliseconds"/> (an item blocks, perhaps waiting for an answer that only this
    /// link can read), a new loop takes over the reader on a pool thread.
    /// </summary>
    private void TakeOverStuckReceive(long now)
    {
        var ticket = Volatile.Read(ref _inlineTicket);
        if (ticket == 0 || now - Volatile.Read(ref _inlineSince) < LinkWatchdog.HeldLimitMilliseconds)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _inlineTicket, 0, ticket) == ticket)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static link => _ = link.ReceiveLoopAsync(), this, preferLocal: false);
        }
    }

    /// <summary>Reads and handles frames until the peer closes (true) or the watchdog took the reader over (false).</summary>
    private async Task<bool> ReceiveAsync()
    {
        var token = _abort.Token;
        while (true)
        {
            var result = await _reader.ReadAsync(token).ConfigureAwait(false);
            Volatile.Write(ref _lastReceived, Environment.TickCount64);
            var buffer = result.Buffer;
            var received = 0L;
            var parsed = false;
            var work = false;
            try
            {
                while (FrameReader.TryRead(ref buffer, MaxFrameSize, out var header, out var payload))
                {
                    received += FrameHeader.Size + payload.Length;
                    switch (header.Kind)
                    {
                        case FrameKind.Hello:
                            throw new ProtocolException("unexpected second hello");
                        case FrameKind.Ping:
                            // Heartbeats are link upkeep, the same on both sides; they leave a quiet link quiet. A peer
                            // that does not read its pongs gets no more: its pings must not grow this side's queue.
                            if (_sender.QueuedBytes < MaxQueuedBytesForPong)
                            {
                                TrySendUpkeep(FrameKind.Pong, header.CallId);
                            }

                            break;
                        case FrameKind.Pong:
                            break;
                        case FrameKind.LoadReport:
                            // Upkeep too: it updates the peer's statistics and nothing the watchdog looks after.
                            OnFrame(header, payload);
                            break;
                        default:
                            work = true;
                            OnFrame(header, payload);
                            break;
                    }
                }

                parsed = true;
            }
            finally
            {
                if (!parsed)
                {
                    // The link is breaking: what this read queued still runs, on the pool.
                    OnRescue(Environment.TickCount64);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);

                // A frame left half-read must complete within FrameTimeout (checked by the heartbeat tick).
                if (buffer.Length == 0)
                {
                    Volatile.Write(ref _partialSince, 0);
                }
                else if (Volatile.Read(ref _partialSince) == 0 || received > 0)
                {
                    Volatile.Write(ref _partialSince, Environment.TickCount64);
                }

                _metrics.RecordBytes(Role, received: true, received);
            }

            // This read's work, here on the receive loop's thread (no hop); the watchdog takes the reader over if it
            // gets stuck. The ticket is this loop's own: only the loop that owns the reader writes a non-zero one.
            var ticket = ++_inlineTickets;
            Volatile.Write(ref _inlineSince, Environment.TickCount64);
            if (work)
            {
                Volatile.Write(ref _workReads, _workReads + 1);
            }

            // A full fence, then the quiet mark: pairs with TryGoQuiet, so a read with more than heartbeats wakes a
            // quiet link before its work runs.
            Interlocked.Exchange(ref _inlineTicket, ticket);
            if (work && Volatile.Read(ref _quiet) != 0 && Interlocked.Exchange(ref _quiet, 0) != 0)
            {
                LinkWatchdog.Wake(this);
            }

            OnFramesRead();
            if (Interlocked.CompareExchange(ref _inlineTicket, 0, ticket) != ticket)
            {
                return false;
            }

            if (result.IsCompleted)
            {
                if (buffer.Length > 0)
                {
                    throw new ProtocolException($"the peer closed the connection in the middle of a frame ({buffer.Length} bytes left)");
                }

                return true;
            }
        }
    }
}
