using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using Mesh.Diagnostics;
using Mesh.Dispatch;
using Mesh.Load;
using Microsoft.Extensions.Logging;

namespace Mesh.Transport;

/// <summary>
/// The serving side of a link: decodes requests, runs them on the thread pool in batches (one work item per
/// read, see <see cref="BatchDispatcher{TItem}"/>), answers with responses or
/// typed errors, honours cancel frames, and refuses calls past the node's concurrency cap as overloaded.
/// </summary>
internal sealed class ServerConnection : Connection, IServerCallOwner
{
    private readonly ServerState _state;
    private readonly Lock _gate = new();
    private readonly Dictionary<long, ServerCall> _running = [];
    private readonly BatchDispatcher<ServeRequest> _dispatcher = new();

    public ServerConnection(Socket socket, ServerState state, LinkSettings settings, ILogger logger)
        : base(socket, settings, logger)
        => _state = state;

    public ServerConnection(Socket socket, ServerState state, int maxFrameSize, ILogger logger)
        : this(socket, state, LinkSettings.Default with { MaxFrameSize = maxFrameSize }, logger)
    {
    }

    protected override string Role => "server";

    /// <summary>This node's load, which every answer on this link reports.</summary>
    public NodeLoadMonitor Load => _state.Load;

    /// <summary>Tells the caller to send no new calls on this link.</summary>
    public void SendGoAway() => TrySendEmpty(FrameKind.GoAway, 0);

    /// <summary>A handler has ended (<paramref name="error"/> null when it returned): answer and recycle.</summary>
    public void OnCallEnded(ServerCall call, Exception? error)
    {
        // The slot is free before the caller hears back, so a caller that got an answer may call again at once.
        lock (_gate)
        {
            _running.Remove(call.CallId);
        }

        if (_state.CallCompleted(call, error) is { } failure)
        {
            SendError(call.CallId, failure);
        }
        else
        {
            TrySend(call.ResponseFrame(_state.Load));
        }

        _state.ReturnCall(call);
    }

    protected override void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        switch (header.Kind)
        {
            case FrameKind.Request:
                OnRequest(header, payload);
                break;
            case FrameKind.Cancel:
                lock (_gate)
                {
                    // Under the lock: a call is removed (then recycled) only under it, so this never
                    // cancels the next request the recycled call serves.
                    if (_running.TryGetValue(header.CallId, out var call))
                    {
                        call.Cancel();
                    }
                }

                break;
            case FrameKind.LoadReport:
                // Reports flow from the serving side; a caller's own report is of no use here.
                break;
            default:
                throw new ProtocolException($"a caller does not send {header.Kind} frames");
        }
    }

    protected override void OnClosed(Exception? error)
    {
        // Nobody is left to receive the results.
        lock (_gate)
        {
            foreach (var call in _running.Values)
            {
                call.Cancel();
            }
        }
    }

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

        if (!_state.TryAdmit(serviceId, out var service, out var refusal))
        {
            SendError(header.CallId, refusal);
            return;
        }

        var call = _state.RentCall();
        call.Start(this, service, _state.Serializer, header.CallId, methodId, deadline, payload.Slice(Protocol.RequestPrefixSize));
        bool added;
        lock (_gate)
        {
            added = _running.TryAdd(header.CallId, call);
        }

        if (!added)
        {
            _state.ReturnCall(call);
            _state.Dropped();
            throw new ProtocolException($"call id {header.CallId} is already running");
        }

        _dispatcher.Enqueue(new ServeRequest(call));
    }

    protected override void OnFramesRead() => _dispatcher.Schedule();

    protected override void OnRescue() => _dispatcher.Schedule();

    private void SendError(long callId, in ErrorMessage error)
    {
        using var writer = new PooledBufferWriter();
        error.WriteFrame(writer, callId);
        LoadReportFrames.Append(writer, 0, _state.Load);
        TrySend(writer.WrittenSpan);
    }
}

/// <summary>Runs one received request's handler (up to its first await) on the link's dispatcher.</summary>
internal readonly struct ServeRequest(ServerCall call) : IBatchItem
{
    public void Run() => call.Execute();
}
