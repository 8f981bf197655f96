using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Mesh.Diagnostics;
using Mesh.Dispatch;
using Mesh.Load;
using Microsoft.Extensions.Logging;

namespace Mesh.Transport;

/// <summary>
/// The serving side of a link: decodes requests, runs them on the thread pool, answers with responses or
/// typed errors, and honours cancel frames.
/// </summary>
internal sealed class ServerConnection : Connection
{
    private readonly ServerState _state;
    private readonly ConcurrentDictionary<long, ServerCall> _running = new();

    public ServerConnection(Socket socket, ServerState state, int maxFrameSize, ILogger logger)
        : base(socket, maxFrameSize, logger)
        => _state = state;

    protected override string Role => "server";

    /// <summary>Tells the caller to send no new calls on this link.</summary>
    public void SendGoAway() => TrySendEmpty(FrameKind.GoAway, 0);

    internal async Task RunCallAsync(ServerCall call)
    {
        var outcome = "ok";
        var started = _state.Load.OnStarted();
        try
        {
            await call.DispatchAsync().ConfigureAwait(false);
            TrySend(call.ResponseFrame(_state.Load));
        }
        catch (UnknownMethodException ex)
        {
            outcome = "unknown_method";
            SendError(call.CallId, new ErrorMessage(ErrorCode.UnknownMethod, typeof(UnknownMethodException).FullName!, ex.Message));
        }
        catch (OperationCanceledException ex) when (call.IsCancellationRequested)
        {
            outcome = "cancelled";
            SendError(call.CallId, new ErrorMessage(ErrorCode.Cancelled, ex.GetType().FullName!, ex.Message));
        }
        catch (Exception ex)
        {
            outcome = "error";
            SendError(call.CallId, new ErrorMessage(ErrorCode.RemoteException, ex.GetType().FullName ?? ex.GetType().Name, ex.Message));
        }
        finally
        {
            _running.TryRemove(call.CallId, out _);
            _state.Load.OnEnded(started);
            call.Release();
            _state.CallEnded();
            MeshDiagnostics.ServerActive.Add(-1);
            if (MeshDiagnostics.ServerCalls.Enabled)
            {
                MeshDiagnostics.ServerCalls.Add(1, new("mesh.service", call.ServiceName), new("mesh.outcome", outcome));
            }
        }
    }

    protected override void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> payload)
    {
        switch (header.Kind)
        {
            case FrameKind.Request:
                OnRequest(header, payload);
                break;
            case FrameKind.Cancel:
                if (_running.TryGetValue(header.CallId, out var call))
                {
                    call.Cancel();
                }

                break;
            case FrameKind.Ping:
                TrySendEmpty(FrameKind.Pong, header.CallId);
                break;
            case FrameKind.Pong:
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
        foreach (var call in _running.Values)
        {
            call.Cancel();
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
            SendError(header.CallId, new ErrorMessage(ErrorCode.UnknownService, typeof(UnknownServiceException).FullName!, $"service id 0x{serviceId:x8} is not hosted on node '{_state.NodeId}'"));
            return;
        }

        var call = new ServerCall(this, service, _state.Serializer, header.CallId, methodId, deadline, payload.Slice(Protocol.RequestPrefixSize));
        if (!_running.TryAdd(header.CallId, call))
        {
            call.Release();
            throw new ProtocolException($"call id {header.CallId} is already running");
        }

        _state.CallStarted();
        _state.Load.OnQueued();
        MeshDiagnostics.ServerActive.Add(1);
        ThreadPool.UnsafeQueueUserWorkItem(call, preferLocal: false);
    }

    private void SendError(long callId, ErrorMessage error)
    {
        using var writer = new PooledBufferWriter();
        error.WriteFrame(writer, callId);
        LoadReportFrames.Append(writer, 0, _state.Load);
        TrySend(writer.WrittenSpan);
    }
}
