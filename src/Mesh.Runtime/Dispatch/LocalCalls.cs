using Mesh.Calls;
using Mesh.Load;
using Mesh.Transport;

namespace Mesh.Dispatch;

/// <summary>
/// Runs the calls this node makes to itself in-process (<see cref="LocalCallMode.ShortCircuit"/>): the link to
/// the node itself hands each request here instead of writing it, and the outcome goes straight back to the
/// link's pending call. Admission, the concurrency cap, deadlines carried to the handler, cancellation and
/// the outcome's error codes are the server's own (<see cref="ServerState"/>), so a local call behaves as a
/// remote one; what it saves is the sockets, the frame parsing and a thread hand-off each way.
/// </summary>
internal sealed class LocalCalls(ServerState state) : IServerCallOwner
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(ClientLink Link, long CallId), ServerCall> _running = [];
    private long _executed;

    public NodeLoadMonitor Load => state.Load;

    /// <summary>Calls run in-process so far.</summary>
    public long Executed => Interlocked.Read(ref _executed);

    /// <summary>
    /// Starts <paramref name="request"/> (sent by <paramref name="link"/> as <paramref name="callId"/>) on the
    /// thread pool, or refuses it through the link as the server would.
    /// </summary>
    public void Dispatch(ClientLink link, RequestBuilder request, long callId, uint deadlineMilliseconds)
    {
        var method = request.Method;
        if (!state.TryAdmit(method.ServiceId, out var service, out var refusal))
        {
            link.CompleteLocal(callId, default, refusal);
            return;
        }

        var frame = request.Frame(callId, deadlineMilliseconds);
        var call = state.RentCall();
        call.Start(this, service, state.Serializer, callId, method.Id, deadlineMilliseconds, frame[(FrameHeader.Size + Protocol.RequestPrefixSize)..]);
        call.Caller = link;
        lock (_gate)
        {
            _running.Add((link, callId), call);
        }

        Interlocked.Increment(ref _executed);

        // Not inline: the handler runs as a remote one would, on a pool thread with no ambient state of the caller's.
        ThreadPool.UnsafeQueueUserWorkItem(call, preferLocal: true);
    }

    /// <summary>The caller gave up on the call (deadline, its token): fire the handler's token.</summary>
    public void Cancel(ClientLink link, long callId)
    {
        lock (_gate)
        {
            // Under the lock: a call is removed (then recycled) only under it, so this never cancels the next
            // request the recycled call serves.
            if (_running.TryGetValue((link, callId), out var call))
            {
                call.Cancel();
            }
        }
    }

    /// <summary>The link to this node closed: the calls it made lose their caller.</summary>
    public void CancelAll(ClientLink link)
    {
        lock (_gate)
        {
            foreach (var ((caller, _), call) in _running)
            {
                if (caller == link)
                {
                    call.Cancel();
                }
            }
        }
    }

    public void OnCallEnded(ServerCall call, Exception? error)
    {
        var link = call.Caller!;
        lock (_gate)
        {
            _running.Remove((link, call.CallId));
        }

        var failure = state.CallCompleted(call, error);
        link.CompleteLocal(call.CallId, failure is null ? call.ResultPayload : default, failure);
        state.ReturnCall(call);
    }
}
