using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using Mesh.Balancing;
using Mesh.Diagnostics;
using Mesh.Dispatch;
using Mesh.Load;
using Mesh.Transport;
using Microsoft.Extensions.Logging;

namespace Mesh.Calls;

/// <summary>
/// The caller's side of a link to one peer: many calls in flight at once (up to
/// <see cref="MeshOptions.MaxCallsInFlightPerLink"/>), correlated by call id in its <see cref="PendingTable"/>.
/// Whoever takes a call out of that table settles the call's account with the peer's <see cref="PeerStats"/>
/// and, when it can claim the call, publishes its outcome: the receive loop for answers, the link's close for
/// the calls it strands, the router (<see cref="Finish"/>) for calls it gave up on.
/// </summary>
internal sealed class ClientLink : Connection, ILocalCaller
{
    private readonly PendingTable _pending;
    private readonly BatchDispatcher<CallOutcome> _dispatcher = new();
    private readonly Dictionary<long, StreamReceiver> _streams = [];
    private readonly List<StreamReceiver> _streamsToWake = [];
    private LocalCalls.Session? _local;
    private long _readAt;
    private bool _readsTraceContext;
    private int _stopping;

    public ClientLink(Socket socket, LinkSettings settings, MeshMetrics metrics, ILogger<ClientLink> logger, PeerStats stats)
        : base(socket, settings, metrics, logger)
    {
        _pending = new PendingTable(settings.MaxCallsInFlight);
        Stats = stats;
    }

    /// <summary>What the balancer knows about the peer (shared by the peer's connections); this link feeds it.</summary>
    public PeerStats Stats { get; }

    /// <summary>The link takes no new calls: the peer is draining, or this node is stopping.</summary>
    public bool IsDraining => Stats.IsDraining || Volatile.Read(ref _stopping) != 0;

    /// <summary>The peer serves streams (its preface offers <see cref="Protocol.StreamFeature"/>).</summary>
    public bool ServesStreams => (RemoteFeatures & Protocol.StreamFeature) != 0;

    /// <summary>Calls sent on this link that have not completed.</summary>
    public int Outstanding => _pending.Count;

    public string PeerNodeId => Remote?.NodeId ?? "?";

    /// <summary>Raised each time the peer announces it is draining (a go-away on this link).</summary>
    public event Action<ClientLink>? Draining;

    protected override string Role => "client";

    /// <summary>
    /// This link reaches this node itself: from now on its calls run in-process on <paramref name="local"/>.
    /// The link stays open for what the peer sends (load reports, going away) and for the balancer.
    /// </summary>
    public void RunCallsLocally(LocalCalls local) => _local = local.Open(this);

    /// <summary>Called once the handshake has succeeded: learns what the peer reads.</summary>
    public void OnHandshaken() => _readsTraceContext = (RemoteFeatures & Protocol.TraceContextFeature) != 0;

    /// <summary>
    /// Sends <paramref name="request"/> on this link. Unless the result is <see cref="SendResult.Sent"/>, the
    /// call was provably not sent and may go to another peer.
    /// </summary>
    /// <param name="request">The call's request.</param>
    /// <param name="call">The pending call that receives the outcome.</param>
    /// <param name="deadlineMilliseconds">What is left of the call's deadline, carried to the server.</param>
    /// <param name="trace">The caller's span, carried to the server when it reads trace context; default for none.</param>
    /// <param name="callId">The call's id on this link.</param>
    public SendResult TrySend(RequestBuilder request, PendingCall call, uint deadlineMilliseconds, in ActivityContext trace, out long callId)
    {
        if (TryAdd(call, out callId) is { } refused)
        {
            return refused;
        }

        if (_local is { } local)
        {
            local.Dispatch(callId, request.Method.ServiceId, request.Method.Id, deadlineMilliseconds, request.Arguments, trace);
            return SendResult.Sent;
        }

        if (!TrySend(request.Frame(callId, deadlineMilliseconds, _readsTraceContext ? trace : default)))
        {
            // Not found: the closing link already took the call and fails it; the router awaits that.
            if (_pending.TryRemove(callId) is null)
            {
                return SendResult.Sent;
            }

            call.Settle(PeerCallOutcome.Abandoned);
            return SendResult.Closing;
        }

        return SendResult.Sent;
    }

    /// <summary>
    /// Takes a slot for <paramref name="call"/> in the pending table, or says why not: the link is closing or draining,
    /// or its calls in flight are at the cap (the call is settled as abandoned with this peer).
    /// </summary>
    private SendResult? TryAdd(PendingCall call, out long callId)
    {
        if (IsClosing || IsDraining)
        {
            callId = 0;
            return SendResult.Closing;
        }

        call.Track(Stats);
        if (!_pending.TryAdd(call, out callId))
        {
            call.Settle(PeerCallOutcome.Abandoned);
            return IsClosing ? SendResult.Closing : SendResult.Full;
        }

        return null;
    }

    /// <summary>
    /// Opens a stream with <paramref name="request"/>: like <see cref="TrySend(RequestBuilder, PendingCall, uint, in ActivityContext, out long)"/>
    /// (the stream counts as outstanding on the peer until it ends), then grants the stream its first credit. Its items
    /// go to <paramref name="receiver"/>; its end or failure completes <paramref name="call"/>. Streams to this node itself
    /// run over the loopback link too, never in-process.
    /// </summary>
    public SendResult TryOpenStream(RequestBuilder request, PendingCall call, StreamReceiver receiver, uint deadlineMilliseconds, out long callId)
    {
        if (TryAdd(call, out callId) is { } refused)
        {
            return refused;
        }

        lock (_streams)
        {
            _streams[callId] = receiver;
        }

        if (!TrySend(request.Frame(callId, deadlineMilliseconds, kind: FrameKind.StreamRequest)))
        {
            RemoveStream(callId);
            if (_pending.TryRemove(callId) is null)
            {
                return SendResult.Sent;
            }

            call.Settle(PeerCallOutcome.Abandoned);
            return SendResult.Closing;
        }

        // Right behind the request; if the link closes in between, its close fails the stream.
        SendCredit(callId, receiver.WindowItems, receiver.WindowBytes);
        return SendResult.Sent;
    }

    /// <summary>Grants stream <paramref name="callId"/> more credit.</summary>
    public void SendCredit(long callId, uint items, uint bytes)
    {
        Span<byte> frame = stackalloc byte[FrameHeader.Size + StreamCredit.PayloadSize];
        StreamCredit.WriteFrame(frame, callId, items, bytes);
        TrySend(frame);
    }

    /// <summary>
    /// The consumer is done with stream <paramref name="callId"/>: as <see cref="Finish"/> (a stream that has not ended
    /// is forgotten and the server told to stop it), except that the call is never pooled: the consumer may have
    /// claimed it while the receive loop still held it.
    /// </summary>
    public void EndStream(PendingCall call, long callId)
    {
        RemoveStream(callId);
        if (_pending.TryRemove(callId) is not null)
        {
            call.Settle(PeerCallOutcome.Abandoned);
            TrySendEmpty(FrameKind.Cancel, callId);
        }

        call.Release(poolable: false);
        CloseIfDrained();
    }

    private void RemoveStream(long callId)
    {
        lock (_streams)
        {
            _streams.Remove(callId);
        }
    }

    /// <summary>
    /// The router is done with <paramref name="call"/> (sent with <paramref name="callId"/>): if it ended
    /// without an answer from the link (deadline, caller's token), forget it and tell the server, so the
    /// handler's token fires. Then recycles the call when no one else can hold it.
    /// </summary>
    public void Finish(PendingCall call, long callId)
    {
        var removedHere = _pending.TryRemove(callId) is not null;
        if (removedHere)
        {
            call.Settle(PeerCallOutcome.Abandoned);
            if (_local is { } local)
            {
                local.Cancel(callId);
            }
            else
            {
                TrySendEmpty(FrameKind.Cancel, callId);
            }
        }

        // A call the link completed has left the table, and one removed here can no longer be found by the
        // receive loop; otherwise the receive loop may still hold it, and it is left to the garbage collector.
        call.Release(poolable: removedHere || call.CompletedByLink);
        CloseIfDrained();
    }

    /// <summary>
    /// This node is stopping: send no new calls on the link and close it once the calls in flight have
    /// completed.
    /// </summary>
    public void BeginDrain()
    {
        Interlocked.Exchange(ref _stopping, 1);
        CloseIfDrained();
    }

    /// <summary>A call this link ran in-process has ended. Its caller continues on this thread.</summary>
    void ILocalCaller.OnCallEnded(long callId, ReadOnlySpan<byte> result, in ErrorMessage? failure)
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
        else if (Answered(call, 0))
        {
            call.PublishResult(ResponsePayload.Copy(result));
        }
    }

    protected override void OnFrame(in FrameHeader header, in ReadOnlySequence<byte> frame)
    {
        var payload = frame;
        if (header.Kind == FrameKind.LoadReport)
        {
            if (LoadReportFrames.ReadBroadcast(payload, out var broadcast))
            {
                Stats.OnReport(broadcast);
            }

            return;
        }

        LoadReportFrames.Split(header, ref payload, out var report, out var hasReport);
        if (hasReport)
        {
            Stats.OnReport(report);
        }

        switch (header.Kind)
        {
            case FrameKind.StreamItem:
                StreamReceiver? receiver;
                lock (_streams)
                {
                    _streams.TryGetValue(header.CallId, out receiver);
                }

                // Items of a stream the consumer already left are dropped; its consumer wakes after this read.
                if (receiver is not null && receiver.OnItem(payload))
                {
                    _streamsToWake.Add(receiver);
                }

                break;
            case FrameKind.StreamEnd:
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
                if (Stats.MarkDraining())
                {
                    MeshLog.PeerDraining(Logger, Remote?.NodeId);
                }

                Draining?.Invoke(this);
                CloseIfDrained();
                break;
            default:
                throw new ProtocolException($"a server does not send {header.Kind} frames");
        }
    }

    protected override void OnClosed(Exception? error)
    {
        _local?.CancelAll();
        foreach (var call in _pending.Close())
        {
            call.Settle(PeerCallOutcome.Abandoned);
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
        if (_streamsToWake.Count > 0)
        {
            foreach (var receiver in _streamsToWake)
            {
                receiver.Wake();
            }

            _streamsToWake.Clear();
        }

        _dispatcher.RunHere();
    }

    protected override void OnRescue(long now)
    {
        _dispatcher.Schedule();
        if (!_pending.IsEmpty)
        {
            _pending.ExpireOverdue(Stopwatch.GetTimestamp());
        }

        _local?.ExpireOverdue(now);
    }

    /// <inheritdoc/>
    /// <remarks>A link to this node itself never goes quiet: its calls run in-process and queue no frame to wake it.</remarks>
    protected override bool HasNothingInFlight() => _local is null && _pending.IsEmpty && _dispatcher.IsIdle;

    /// <inheritdoc/>
    protected override void OnQuiet() => _dispatcher.Trim();

    /// <summary>The answer to <paramref name="call"/> arrived at <paramref name="now"/> (0: read the clock): true when this link is to publish it.</summary>
    private static bool Answered(PendingCall call, long now)
    {
        call.Settle(PeerCallOutcome.Answered, now);
        return call.TryClaim();
    }

    /// <summary>
    /// <paramref name="call"/> failed with <paramref name="error"/>: settles it with the peer (an overloaded
    /// refusal counts against the peer, a call that ran is a latency sample) and returns the exception to
    /// publish, or null when the call had already ended.
    /// </summary>
    private Exception? Failed(PendingCall call, in ErrorMessage error)
    {
        call.Settle(CallFailures.PeerOutcome(error.Code));
        return call.TryClaim() ? CallFailures.ToException(error, call, PeerNodeId) : null;
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

    /// <summary>A draining link closes once its last call has completed.</summary>
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
