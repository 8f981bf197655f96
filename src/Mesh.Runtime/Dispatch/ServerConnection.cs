using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Mesh.Diagnostics;
using Mesh.Load;
using Mesh.Transport;
using Microsoft.Extensions.Logging;

namespace Mesh.Dispatch;

/// <summary>
/// The serving side of a link: decodes requests and cancel frames for its <see cref="ServerSession"/>, runs the
/// admitted calls on the thread pool in batches (one work item per read, see <see cref="BatchDispatcher{TItem}"/>),
/// and sends their answers — responses or typed errors, each with this node's load report appended.
/// </summary>
internal sealed class ServerConnection : Connection, ICallReplies
{
    private readonly ServerSession _session;
    private readonly NodeLoadMonitor _load;
    private readonly ServerState _state;
    private readonly BatchDispatcher<ServeRequest> _dispatcher = new();

    public ServerConnection(Socket socket, ServerState state, LinkSettings settings, MeshMetrics metrics, ILogger<ServerConnection> logger)
        : base(socket, settings, metrics, logger)
    {
        _session = new ServerSession(state, this);
        _state = state;
        _load = state.Load;
    }

    /// <summary>
    /// Whether this link's answers must stop piling up: it holds more than <paramref name="times"/> × its own limit, or
    /// holds some while all links together hold more than <paramref name="times"/> × the node's.
    /// </summary>
    private bool HoldsTooMuch(int times)
    {
        var queued = QueuedBytes;
        return queued > times * _state.MaxSendQueue
               || (queued > ServerState.NodeQueueCheckAbove && _state.NodeQueueOver(times));
    }

    protected override string Role => "server";

    /// <summary>Called once the caller's hello is accepted: its calls are authorized by the identity TLS proved.</summary>
    public void OnAccepted()
    {
        _session.CallerIdentity = PeerIdentity;
        _session.CallerMaxFrameSize = RemoteMaxFrameSize;

        // From here until OnClosed, its queued answers count in the node's total.
        _state.AddLink(this);
    }

    /// <summary>Tells the caller to send no new calls on this link.</summary>
    public void SendGoAway() => TrySendEmpty(FrameKind.GoAway, 0);

    void ICallReplies.SendResult(ServerCall call)
    {
        // A caller that does not read its answers cannot make this node hold more than twice its send queue limit, nor
        // can many such callers together make it hold more than twice the node's.
        if (HoldsTooMuch(2))
        {
            ((ICallReplies)this).SendError(call.CallId, _state.DropAnswer(call));
            return;
        }

        TrySend(call.ResponseFrame(_load));
    }

    bool ICallReplies.SendStreamItem(ServerCall call) => TrySend(call.StreamItemFrame);

    /// <summary>The node's grace period is over: the streams still running end, telling their callers they may reopen them.</summary>
    public int InterruptStreams() => _session.InterruptStreams();

    void ICallReplies.SendError(long callId, in ErrorMessage error)
    {
        using var writer = new PooledBufferWriter();
        error.WriteFrame(writer, callId);
        LoadReportFrames.Append(writer, 0, _load);
        TrySend(writer.WrittenSpan);
    }

    protected override void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        switch (header.Kind)
        {
            case FrameKind.Request:
            case FrameKind.StreamRequest:
                OnRequest(header, payload);
                break;
            case FrameKind.StreamCredit:
                var (items, bytes) = StreamCredit.Read(payload);
                _session.AddCredit(header.CallId, items, bytes);
                break;
            case FrameKind.Cancel:
                _session.Cancel(header.CallId);
                break;
            case FrameKind.LoadReport:
                // Reports flow from the serving side; a caller's own report is of no use here.
                break;
            default:
                throw new ProtocolException($"a caller does not send {header.Kind} frames");
        }
    }

    // Nobody is left to receive the results.
    protected override void OnClosed(Exception? error)
    {
        _state.RemoveLink(this);
        _session.CancelAll();
    }

    protected override void OnFramesRead() => _dispatcher.RunHere();

    protected override void OnRescue(long now)
    {
        _dispatcher.Schedule();
        _session.ExpireOverdue(now);
    }

    /// <inheritdoc/>
    protected override bool HasNothingInFlight() => _session.IsIdle && _dispatcher.IsIdle;

    /// <inheritdoc/>
    protected override void OnQuiet() => _dispatcher.Trim();

    private void OnRequest(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        if (payload.Length < Protocol.RequestPrefixSize)
        {
            throw new ProtocolException("request frame is shorter than its prefix");
        }

        Span<byte> prefix = stackalloc byte[Protocol.RequestPrefixSize];
        payload.Slice(0, Protocol.RequestPrefixSize).CopyTo(prefix);
        var serviceId = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        var methodId = BinaryPrimitives.ReadUInt32LittleEndian(prefix[4..]);
        var deadline = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        if (HoldsTooMuch(1))
        {
            // The caller is not reading its answers: take no more work from it until it does.
            ((ICallReplies)this).SendError(header.CallId, _state.RefuseNotReading());
            return;
        }

        var arguments = payload.Slice(Protocol.RequestPrefixSize);
        var parent = (header.Flags & FrameFlags.HasTraceContext) != 0 ? TraceContextTrailer.Split(ref arguments) : default;
        if (_session.TryStart(header.CallId, serviceId, methodId, deadline, arguments, parent, header.Kind == FrameKind.StreamRequest) is { } call)
        {
            _dispatcher.Enqueue(new ServeRequest(call));
        }
    }
}

/// <summary>Runs one received request's handler (up to its first await) on the link's dispatcher.</summary>
internal readonly struct ServeRequest(ServerCall call) : IBatchItem
{
    public void Run() => call.Execute();
}
