using System.Buffers;
using System.Net.Sockets;
using Mesh.Balancing;
using Mesh.Calls;
using Mesh.Diagnostics;
using Mesh.Dispatch;
using Microsoft.Extensions.Logging;

namespace Mesh.Transport;

/// <summary>
/// The caller's side of a link to one peer: many calls in flight at once (up to
/// <see cref="MeshOptions.MaxCallsInFlightPerLink"/>), correlated by call id.
/// </summary>
internal sealed class ClientLink : Connection
{
    private readonly PendingTable _pending;
    private readonly BatchDispatcher<CallOutcome> _dispatcher = new();
    private LocalCalls? _local;
    private long _readAt;
    private int _draining;

    public ClientLink(Socket socket, LinkSettings settings, ILogger logger, PeerStats stats)
        : base(socket, settings, logger)
    {
        _pending = new PendingTable(settings.MaxCallsInFlight);
        Stats = stats;
    }

    /// <summary>What the balancer knows about the peer; this link feeds it (see <see cref="LinkLoadTracking"/>).</summary>
    public PeerStats Stats { get; }

    /// <summary>The peer said it is draining: it gets no new calls.</summary>
    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    /// <summary>
    /// Whether discovery reports the peer ready. A link to a terminating peer takes calls only when no
    /// ready peer hosts the service. Changed only through <see cref="Membership.PeerDirectory.SetReady"/>.
    /// </summary>
    public bool IsPeerReady
    {
        get => Stats.IsReady;
        set => Stats.IsReady = value;
    }

    /// <summary>
    /// This link reaches this node itself: from now on its calls run in-process on <paramref name="local"/>.
    /// The link stays open for what the peer sends (load reports, going away) and for the balancer.
    /// </summary>
    public void RunCallsLocally(LocalCalls local) => _local = local;

    /// <summary>Calls sent on this link that have not completed.</summary>
    public int Outstanding => _pending.Count;

    /// <summary>Most calls this link may have in flight at once.</summary>
    public int MaxOutstanding => _pending.Capacity;

    public string PeerNodeId => Remote?.NodeId ?? "?";

    /// <summary>How many calls the peer refused as overloaded so far.</summary>
    public long OverloadedCount => Stats.RefusedTotal;

    /// <summary>Raised once when the peer announces it is draining.</summary>
    public event Action<ClientLink>? Draining;

    /// <summary>
    /// Raised (on the receive loop: handlers must be quick and must not block) each time the peer refuses a
    /// call because it runs as many as it allows. The refusal has already been counted against the peer in
    /// <see cref="Stats"/> (which the balancer reads).
    /// </summary>
    public event Action<ClientLink>? Overloaded;

    protected override string Role => "client";

    /// <summary>
    /// Sends <paramref name="request"/> on this link. Unless the result is <see cref="SendResult.Sent"/>, the
    /// call was provably not sent and may go to another peer.
    /// </summary>
    public SendResult TrySend(RequestBuilder request, PendingCall call, uint deadlineMilliseconds, out long callId)
    {
        if (IsClosing || IsDraining)
        {
            callId = 0;
            return SendResult.Closing;
        }

        call.MarkSent(Stats.Time.GetTimestamp());
        Stats.OnSent();
        if (!_pending.TryAdd(call, out callId))
        {
            Stats.OnAbandoned();
            return IsClosing ? SendResult.Closing : SendResult.Full;
        }

        if (_local is { } local)
        {
            local.Dispatch(this, request, callId, deadlineMilliseconds);
            return SendResult.Sent;
        }

        if (!TrySend(request.Frame(callId, deadlineMilliseconds)))
        {
            // Not found: the closing link already took the call and fails it; the router awaits that.
            if (_pending.TryRemove(callId) is null)
            {
                return SendResult.Sent;
            }

            Stats.OnAbandoned();
            return SendResult.Closing;
        }

        return SendResult.Sent;
    }

    /// <summary>
    /// The router is done with <paramref name="call"/> (sent with <paramref name="callId"/>): if it ended
    /// without an answer from the link (deadline, caller's token), forget it and tell the server, so the
    /// handler's token fires. Then recycles the call when no one else can hold it.
    /// </summary>
    public void Finish(PendingCall call, long callId)
    {
        if (_pending.Finish(call, callId))
        {
            Stats.OnAbandoned();
            if (_local is { } local)
            {
                local.Cancel(this, callId);
            }
            else
            {
                TrySendEmpty(FrameKind.Cancel, callId);
            }
        }

        CloseIfDrained();
    }

    /// <summary>
    /// This node is stopping: send no new calls on the link and close it once the calls in flight have
    /// completed.
    /// </summary>
    public void BeginDrain()
    {
        Interlocked.Exchange(ref _draining, 1);
        CloseIfDrained();
    }

    /// <summary>
    /// A call this link ran in-process (<see cref="LocalCalls"/>) has ended: with <paramref name="result"/>
    /// when <paramref name="failure"/> is null. Its caller continues on this thread.
    /// </summary>
    public void CompleteLocal(long callId, ReadOnlySpan<byte> result, ErrorMessage? failure)
    {
        if (_pending.TryRemove(callId) is not { } call)
        {
            return;
        }

        if (failure is { } error)
        {
            if (Failed(call, error) is { } exception)
            {
                call.PublishException(exception);
            }
        }
        else if (Answered(call, Stats.Time.GetTimestamp()))
        {
            call.PublishResult(ResponsePayload.Copy(result));
        }
    }

    protected override void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> frame)
    {
        var payload = LinkLoadTracking.TakeReport(this, header, frame);
        switch (header.Kind)
        {
            case FrameKind.Response:
                if (_pending.TryRemove(header.CallId) is { } call && Answered(call, ReadTimestamp()))
                {
                    // The caller continues on the dispatcher, with the other answers of this read.
                    _dispatcher.Enqueue(new CallOutcome(call, ResponsePayload.Copy(payload), null));
                }

                break;
            case FrameKind.Error:
                if (_pending.TryRemove(header.CallId) is { } failed && Failed(failed, ErrorMessage.Read(payload)) is { } exception)
                {
                    _dispatcher.Enqueue(new CallOutcome(failed, default, exception));
                }

                break;
            case FrameKind.GoAway:
                Stats.MarkDraining();
                if (Interlocked.Exchange(ref _draining, 1) == 0)
                {
                    MeshLog.PeerDraining(Logger, Remote?.NodeId);
                    Draining?.Invoke(this);
                    CloseIfDrained();
                }

                break;
            case FrameKind.LoadReport:
                break;
            default:
                throw new ProtocolException($"a server does not send {header.Kind} frames");
        }
    }

    protected override void OnClosed(Exception? error)
    {
        _local?.CancelAll(this);
        foreach (var call in _pending.Close())
        {
            Stats.OnAbandoned();
            if (call.TryClaim())
            {
                _dispatcher.Enqueue(new CallOutcome(call, default, new PeerUnavailableException(
                    $"The link to node '{PeerNodeId}' ({RemoteEndPoint}) closed while {call.Method} was in flight; the call may or may not have executed.",
                    error)));
            }
        }

        _dispatcher.Schedule();
    }

    protected override void OnFramesRead()
    {
        _readAt = 0;
        _dispatcher.Schedule();
    }

    protected override void OnRescue() => _dispatcher.Schedule();

    /// <summary>The answer to <paramref name="call"/> arrived at <paramref name="now"/>: true when this link is to publish it.</summary>
    private bool Answered(PendingCall call, long now)
    {
        Stats.OnCompleted(call.SentAt, now);
        return call.TryClaim();
    }

    /// <summary>
    /// <paramref name="call"/> failed with <paramref name="error"/> (an overloaded refusal counts against the
    /// peer): the exception to publish, or null when the call had already ended.
    /// </summary>
    private Exception? Failed(PendingCall call, in ErrorMessage error)
    {
        if (LinkLoadTracking.OnError(this, error.Code, call))
        {
            Overloaded?.Invoke(this);
        }

        return call.TryClaim() ? ToException(error, call) : null;
    }

    /// <summary>When the current read arrived: one clock read per read, since the answers it carries arrived together.</summary>
    private long ReadTimestamp()
    {
        if (_readAt == 0)
        {
            _readAt = Stats.Time.GetTimestamp();
        }

        return _readAt;
    }

    private Exception ToException(ErrorMessage error, PendingCall call)
    {
        switch (error.Code)
        {
            case ErrorCode.RemoteException:
                return new RemoteInvocationException(error.TypeName, error.Message, PeerNodeId);
            case ErrorCode.UnknownService:
                return new UnknownServiceException(call.Method.ServiceName, $"node '{PeerNodeId}' does not host it");
            case ErrorCode.UnknownMethod:
                return new UnknownMethodException(call.Method.ServiceName, call.Method.Id, call.Method.Name);
            case ErrorCode.Cancelled:
                // This caller sends a cancel frame only after it has ended the call itself, so a call still
                // pending here was stopped by the server when the deadline it carried ran out (the server's
                // timer may fire before ours).
                return call.UserToken.IsCancellationRequested
                    ? new OperationCanceledException($"The call to {call.Method} was cancelled by the caller.", null, call.UserToken)
                    : new DeadlineExceededException(call.Method.ToString(), call.Deadline);
            case ErrorCode.Draining:
                return new NotExecutedException(PeerNodeId, "the node is draining");
            case ErrorCode.Overloaded:
                return new NotExecutedException(PeerNodeId, "the node is overloaded (it runs as many calls as MeshOptions.MaxConcurrentCalls allows)");
            default:
                return new MeshException($"The call to {call.Method} failed on node '{PeerNodeId}': {error.Code}: {error.Message}");
        }
    }

    /// <summary>A draining peer's link closes once its last call has completed.</summary>
    private void CloseIfDrained()
    {
        if (IsDraining && _pending.IsEmpty)
        {
            CloseGracefully(TimeSpan.FromSeconds(5));
        }
    }
}

/// <summary>Hands one call its outcome (an answer or a failure) on the link's dispatcher.</summary>
internal readonly struct CallOutcome(PendingCall call, ResponsePayload response, Exception? error) : IBatchItem
{
    public void Run()
    {
        if (error is null)
        {
            call.PublishResult(response);
        }
        else
        {
            call.PublishException(error);
        }
    }
}
