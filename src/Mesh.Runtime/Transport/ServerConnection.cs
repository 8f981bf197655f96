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
internal sealed class ServerConnection : Connection
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
    internal NodeLoadMonitor Load => _state.Load;

    /// <summary>Tells the caller to send no new calls on this link.</summary>
    public void SendGoAway() => TrySendEmpty(FrameKind.GoAway, 0);

    /// <summary>A handler has ended (<paramref name="error"/> null when it returned): answer and recycle.</summary>
    internal void OnCallEnded(ServerCall call, Exception? error)
    {
        // The slot is free before the caller hears back, so a caller that got an answer may call again at once.
        lock (_gate)
        {
            _running.Remove(call.CallId);
        }

        _state.CallEnded();
        _state.Load.OnEnded(call.StartedAt);
        MeshDiagnostics.ServerActive.Add(-1);
        var outcome = "ok";
        switch (error)
        {
            case null:
                TrySend(call.ResponseFrame(_state.Load));
                break;
            case UnknownMethodException ex:
                outcome = "unknown_method";
                SendError(call.CallId, ErrorCode.UnknownMethod, typeof(UnknownMethodException).FullName!, ex.Message);
                break;
            case OperationCanceledException ex when call.IsCancellationRequested:
                outcome = "cancelled";
                SendError(call.CallId, ErrorCode.Cancelled, ex.GetType().FullName!, ex.Message);
                break;
            default:
                outcome = "error";
                SendError(call.CallId, ErrorCode.RemoteException, error.GetType().FullName ?? error.GetType().Name, error.Message);
                break;
        }

        if (MeshDiagnostics.ServerCalls.Enabled)
        {
            MeshDiagnostics.ServerCalls.Add(1, new("mesh.service", call.ServiceName), new("mesh.outcome", outcome));
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

        var service = _state.Catalog.Find(serviceId);
        if (service is null)
        {
            SendError(header.CallId, ErrorCode.UnknownService, typeof(UnknownServiceException).FullName!, $"service id 0x{serviceId:x8} is not hosted on node '{_state.NodeId}'");
            return;
        }

        if (!_state.TryStartCall())
        {
            // Refused before running: the caller may send it elsewhere at once.
            SendError(header.CallId, ErrorCode.Overloaded, "Mesh.Overloaded", "overloaded");
            if (MeshDiagnostics.ServerCalls.Enabled)
            {
                MeshDiagnostics.ServerCalls.Add(1, new("mesh.service", service.Name), new("mesh.outcome", "overloaded"));
            }

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
            _state.CallEnded();
            throw new ProtocolException($"call id {header.CallId} is already running");
        }

        _state.Load.OnQueued();
        MeshDiagnostics.ServerActive.Add(1);
        _dispatcher.Enqueue(new ServeRequest(call));
    }

    protected override IThreadPoolWorkItem? OnFramesRead() => _dispatcher.ScheduleHere();

    protected override void OnRescue() => _dispatcher.Schedule();

    private void SendError(long callId, ErrorCode code, string typeName, string message)
    {
        using var writer = new PooledBufferWriter();
        new ErrorMessage(code, typeName, message).WriteFrame(writer, callId);
        LoadReportFrames.Append(writer, 0, _state.Load);
        TrySend(writer.WrittenSpan);
    }
}

/// <summary>Runs one received request's handler (up to its first await) on the link's dispatcher.</summary>
internal readonly struct ServeRequest(ServerCall call) : IBatchItem
{
    public void Run() => call.Execute();
}
