using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Mesh.Balancing;
using Mesh.Calls;
using Mesh.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Mesh.Transport;

/// <summary>
/// The caller's side of a link to one peer: many calls in flight at once, correlated by call id.
/// </summary>
internal sealed class ClientLink : Connection
{
    private readonly ConcurrentDictionary<long, PendingCall> _pending = new();
    private long _nextCallId;
    private int _draining;

    public ClientLink(Socket socket, int maxFrameSize, ILogger logger, PeerStats stats)
        : base(socket, maxFrameSize, logger)
        => Stats = stats;

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

    /// <summary>Calls sent on this link that have not completed.</summary>
    public int Outstanding => _pending.Count;

    public string PeerNodeId => Remote?.NodeId ?? "?";

    /// <summary>Raised once when the peer announces it is draining.</summary>
    public event Action<ClientLink>? Draining;

    protected override string Role => "client";

    /// <summary>
    /// Sends <paramref name="request"/> on this link; false if the link is closing, in which case the call
    /// was provably not sent and may go to another peer.
    /// </summary>
    public bool TrySend(RequestBuilder request, PendingCall call, uint deadlineMilliseconds)
    {
        if (IsClosing || IsDraining)
        {
            return false;
        }

        var callId = Interlocked.Increment(ref _nextCallId);
        call.Attach(this, callId, Stats.Time.GetTimestamp());
        Stats.OnSent();
        _pending[callId] = call;
        if (!TrySend(request.Frame(callId, deadlineMilliseconds)))
        {
            if (_pending.TryRemove(callId, out _))
            {
                Stats.OnAbandoned();
            }

            return false;
        }

        return true;
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

    /// <summary>The caller gave up on <paramref name="call"/>: forget it and tell the server.</summary>
    public void Cancel(PendingCall call)
    {
        if (_pending.TryRemove(call.CallId, out _))
        {
            Stats.OnAbandoned();
            TrySendEmpty(FrameKind.Cancel, call.CallId);
        }

        CloseIfDrained();
    }

    protected override void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> frame)
    {
        var payload = LinkLoadTracking.TakeReport(this, header, frame);
        switch (header.Kind)
        {
            case FrameKind.Response:
                if (_pending.TryRemove(header.CallId, out var call))
                {
                    Stats.OnCompleted(call.SentAt);
                    var response = ResponsePayload.Copy(payload);
                    if (!call.TrySetResult(response))
                    {
                        response.Dispose();
                    }

                    CloseIfDrained();
                }

                break;
            case FrameKind.Error:
                if (_pending.TryRemove(header.CallId, out var failed))
                {
                    var error = ErrorMessage.Read(payload);
                    LinkLoadTracking.OnError(this, error.Code, failed);
                    failed.TrySetException(ToException(error, failed));
                    CloseIfDrained();
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
            case FrameKind.Ping:
                TrySendEmpty(FrameKind.Pong, header.CallId);
                break;
            case FrameKind.Pong:
            case FrameKind.LoadReport:
                break;
            default:
                throw new ProtocolException($"a server does not send {header.Kind} frames");
        }
    }

    protected override void OnClosed(Exception? error)
    {
        foreach (var callId in _pending.Keys)
        {
            if (_pending.TryRemove(callId, out var call))
            {
                Stats.OnAbandoned();
                call.TrySetException(new PeerUnavailableException(
                    $"The link to node '{PeerNodeId}' ({RemoteEndPoint}) closed while {call.Method} was in flight; the call may or may not have executed.",
                    error));
            }
        }
    }

    private Exception ToException(ErrorMessage error, PendingCall call) => error.Code switch
    {
        ErrorCode.RemoteException => new RemoteInvocationException(error.TypeName, error.Message, PeerNodeId),
        ErrorCode.UnknownService => new UnknownServiceException(call.Method.ServiceName, $"node '{PeerNodeId}' does not host it"),
        ErrorCode.UnknownMethod => new UnknownMethodException(call.Method.ServiceName, call.Method.Id, call.Method.Name),
        ErrorCode.Cancelled => new OperationCanceledException($"The call to {call.Method} was cancelled on node '{PeerNodeId}'."),
        ErrorCode.Draining => new NotExecutedException(PeerNodeId, "the node is draining"),
        ErrorCode.Overloaded => new NotExecutedException(PeerNodeId, "the node is overloaded"),
        _ => new MeshException($"The call to {call.Method} failed on node '{PeerNodeId}': {error.Code}: {error.Message}"),
    };

    /// <summary>A draining peer's link closes once its last call has completed.</summary>
    private void CloseIfDrained()
    {
        if (IsDraining && _pending.IsEmpty)
        {
            CloseGracefully(TimeSpan.FromSeconds(5));
        }
    }
}
