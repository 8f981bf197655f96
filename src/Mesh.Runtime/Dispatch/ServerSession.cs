using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Mesh.Load;
using Mesh.Transport;

namespace Mesh.Dispatch;

/// <summary>
/// The calls one caller runs on this node — a remote link (<see cref="ServerConnection"/>) or this node's own
/// short-circuited calls (<see cref="LocalCalls"/>) — from admission to answer: admits each request against the
/// node's cap (<see cref="ServerState"/>), keeps the running calls by call id so a cancel reaches the right one,
/// answers through <see cref="ICallReplies"/> when the handler ends, and recycles the call.
/// </summary>
internal sealed class ServerSession(ServerState state, ICallReplies replies, bool local = false)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, ServerCall> _running = [];
    private int _admitted;

    // No running call's deadline is before this (Environment.TickCount64); it may be earlier than the true minimum.
    private long _earliestDeadline = long.MaxValue;

    /// <summary>The caller's identity (its TLS certificate), once its link is secured; null on a plaintext link.</summary>
    public string? CallerIdentity { get; set; }

    /// <summary>
    /// The largest frame payload the caller accepts, as its hello announced it; null when it did not (an older build:
    /// this node's own <see cref="MeshOptions.MaxFrameSize"/> applies).
    /// </summary>
    public int? CallerMaxFrameSize { get; set; }

    /// <summary>
    /// The largest response frame a call may build (header, result and the appended load report): within this node's
    /// limit and the caller's, so a result the caller could not read fails that call alone instead of its link.
    /// </summary>
    public int MaxResponseFrame => CallerMaxFrameSize is { } caller ? Math.Min(state.MaxResponseFrame, FrameHeader.Size + caller) : state.MaxResponseFrame;

    /// <summary>This node's load, which the calls' start and end update and every answer reports.</summary>
    public NodeLoadMonitor Load => state.Load;

    /// <summary>
    /// Admits request <paramref name="callId"/> and prepares its call, to be run by the caller
    /// (<see cref="ServerCall.Execute"/>); or answers the refusal (not hosted, overloaded) and returns null. A stream
    /// request (<paramref name="stream"/>) sends nothing until its caller grants credit.
    /// </summary>
    /// <exception cref="ProtocolException">A call with this id is already running.</exception>
    public ServerCall? TryStart(long callId, uint serviceId, uint methodId, uint deadlineMilliseconds, in ReadOnlySequence<byte> arguments, in ActivityContext parent, bool stream = false)
    {
        if (!Admit(callId, serviceId, out var service))
        {
            return null;
        }

        // Only the arguments this build's method reads are kept for the call; a newer caller's extra trailing ones are
        // ignored (within MeshOptions.MaxUnknownArgumentBytes, else the call is refused) and never copied.
        var known = arguments.Length;
        if (service.ParameterCount(methodId) is { } count && !ArgumentLayout.TryMeasure(arguments, count, out known))
        {
            known = -1;
        }

        if (!state.CheckArguments(service, methodId, arguments.Length, known, out var refusal))
        {
            Refuse(callId, refusal);
            return null;
        }

        var call = state.RentCall();
        call.Start(this, service, state.Serializer, callId, methodId, state.Deadline(deadlineMilliseconds), arguments.Slice(0, known));
        call.Parent = parent;
        if (stream)
        {
            call.OpenStream();
        }

        return Track(call);
    }

    /// <inheritdoc cref="TryStart(long, uint, uint, uint, in ReadOnlySequence{byte}, in ActivityContext, bool)"/>
    public ServerCall? TryStart(long callId, uint serviceId, uint methodId, uint deadlineMilliseconds, ReadOnlySpan<byte> arguments, in ActivityContext parent)
    {
        if (!Admit(callId, serviceId, out var service))
        {
            return null;
        }

        long known = arguments.Length;
        if (service.ParameterCount(methodId) is { } count && !ArgumentLayout.TryMeasure(arguments, count, out known))
        {
            known = -1;
        }

        if (!state.CheckArguments(service, methodId, arguments.Length, known, out var refusal))
        {
            Refuse(callId, refusal);
            return null;
        }

        var call = state.RentCall();
        call.Start(this, service, state.Serializer, callId, methodId, state.Deadline(deadlineMilliseconds), arguments[..(int)known]);
        call.Parent = parent;
        return Track(call);
    }

    /// <summary>Answers a refusal for a call that was admitted but will not run.</summary>
    private void Refuse(long callId, in ErrorMessage refusal)
    {
        Interlocked.Decrement(ref _admitted);
        state.Dropped();
        replies.SendError(callId, refusal);
    }

    /// <summary>The caller gave up on call <paramref name="callId"/>: fire its handler's token.</summary>
    public void Cancel(long callId)
    {
        lock (_gate)
        {
            // Under the lock: a call is removed (then recycled) only under it, so this never cancels the next
            // request the recycled call serves.
            if (_running.TryGetValue(callId, out var call))
            {
                call.Cancel();
            }
        }
    }

    /// <summary>Whether no call or stream is running.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return _running.Count == 0;
            }
        }
    }

    /// <summary>
    /// Fires the token of every running call whose deadline is before <paramref name="now"/>
    /// (<see cref="Environment.TickCount64"/>); called a few times a second (see <see cref="LinkWatchdog"/>), and looks at
    /// the calls only when the earliest deadline it was given has passed.
    /// </summary>
    public void ExpireOverdue(long now)
    {
        if (Volatile.Read(ref _earliestDeadline) > now)
        {
            return;
        }

        lock (_gate)
        {
            var earliest = long.MaxValue;
            foreach (var call in _running.Values)
            {
                if (call.DeadlineFired)
                {
                    continue;
                }

                if (call.DeadlineAt <= now)
                {
                    call.DeadlineFired = true;
                    call.Cancel();
                }
                else if (call.DeadlineAt < earliest)
                {
                    earliest = call.DeadlineAt;
                }
            }

            Volatile.Write(ref _earliestDeadline, earliest);
        }
    }

    /// <summary>The caller granted stream <paramref name="callId"/> more credit (ignored once the stream has ended).</summary>
    public void AddCredit(long callId, uint items, uint bytes)
    {
        lock (_gate)
        {
            if (_running.TryGetValue(callId, out var call) && call.IsStream)
            {
                call.AddCredit(items, bytes, state.MaxSendQueue);
            }
        }
    }

    /// <summary>
    /// The node stops and its grace period is over: every stream still running ends with a typed error that tells
    /// its caller it may reopen it. Returns how many were running.
    /// </summary>
    public int InterruptStreams()
    {
        var interrupted = 0;
        lock (_gate)
        {
            foreach (var call in _running.Values)
            {
                if (call.IsStream)
                {
                    call.Interrupt();
                    interrupted++;
                }
            }
        }

        return interrupted;
    }

    /// <summary>Sends the stream item <paramref name="call"/> has just written; false when the caller's link is closing.</summary>
    public bool SendStreamItem(ServerCall call) => replies.SendStreamItem(call);

    /// <summary>The caller is gone (its link closed): every handler's token fires.</summary>
    public void CancelAll()
    {
        lock (_gate)
        {
            foreach (var call in _running.Values)
            {
                call.Cancel();
            }
        }
    }

    /// <summary>A handler has ended (<paramref name="error"/> null when it returned): answer and recycle.</summary>
    public void OnCallEnded(ServerCall call, Exception? error)
    {
        // The slot is free before the caller hears back, so a caller that got an answer may call again at once.
        lock (_gate)
        {
            _running.Remove(call.CallId);
        }

        Interlocked.Decrement(ref _admitted);
        call.EndActivity(error);
        if (state.CallCompleted(call, error) is { } failure)
        {
            replies.SendError(call.CallId, failure);
        }
        else
        {
            replies.SendResult(call);
        }

        state.ReturnCall(call);
    }

    private bool Admit(long callId, uint serviceId, [NotNullWhen(true)] out HostedService? service)
    {
        if (!state.TryAdmit(serviceId, out service, out var refusal))
        {
            replies.SendError(callId, refusal);
            return false;
        }

        if (!state.MayCall(service, CallerIdentity, local, out var denial))
        {
            state.Dropped();
            replies.SendError(callId, denial);
            service = null;
            return false;
        }

        // This link's share of the node's calls: past it, its calls are refused so it cannot starve the others.
        if (Interlocked.Increment(ref _admitted) > state.MaxCallsPerLink)
        {
            Interlocked.Decrement(ref _admitted);
            state.Dropped();
            replies.SendError(callId, state.RefuseOverShare(service));
            service = null;
            return false;
        }

        return true;
    }

    private ServerCall Track(ServerCall call)
    {
        bool added;
        lock (_gate)
        {
            added = _running.TryAdd(call.CallId, call);
            if (added && call.DeadlineAt < _earliestDeadline)
            {
                Volatile.Write(ref _earliestDeadline, call.DeadlineAt);
            }
        }

        if (!added)
        {
            var callId = call.CallId;
            state.ReturnCall(call);
            state.Dropped();
            Interlocked.Decrement(ref _admitted);
            throw new ProtocolException($"call id {callId} is already running");
        }

        return call;
    }
}
