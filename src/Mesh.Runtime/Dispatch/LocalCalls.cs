using System.Diagnostics;
using Mesh.Transport;

namespace Mesh.Dispatch;

/// <summary>
/// Runs the calls this node makes to itself in-process (<see cref="LocalCallMode.ShortCircuit"/>): a link to the
/// node itself opens a <see cref="Session"/> and hands each request to it instead of writing it, and the outcome
/// goes straight back to the link. Admission, the concurrency cap, deadlines carried to the handler, cancellation
/// and the outcome's error codes are the server's own (a <see cref="ServerSession"/> over <see cref="ServerState"/>),
/// so a local call behaves as a remote one; what it saves is the sockets, the frame parsing and a thread hand-off
/// each way.
/// </summary>
internal sealed class LocalCalls(ServerState state)
{
    private readonly ServerState _state = state;
    private long _executed;

    /// <summary>Calls run in-process so far.</summary>
    public long Executed => Interlocked.Read(ref _executed);

    /// <summary>The in-process server side of one link to this node.</summary>
    public Session Open(ILocalCaller caller) => new(this, caller);

    /// <summary>The calls one link to this node runs in-process.</summary>
    internal sealed class Session : ICallReplies
    {
        private readonly LocalCalls _owner;
        private readonly ILocalCaller _caller;
        private readonly ServerSession _session;

        public Session(LocalCalls owner, ILocalCaller caller)
        {
            _owner = owner;
            _caller = caller;
            _session = new ServerSession(owner._state, this, local: true);
        }

        /// <summary>
        /// Starts call <paramref name="callId"/> on the thread pool, or refuses it through the caller as the server
        /// would.
        /// </summary>
        public void Dispatch(long callId, uint serviceId, uint methodId, uint deadlineMilliseconds, ReadOnlySpan<byte> arguments, in ActivityContext parent)
        {
            if (_session.TryStart(callId, serviceId, methodId, deadlineMilliseconds, arguments, parent) is not { } call)
            {
                return;
            }

            Interlocked.Increment(ref _owner._executed);

            // Not inline: the handler runs as a remote one would, on a pool thread with no ambient state of the caller's.
            ThreadPool.UnsafeQueueUserWorkItem(call, preferLocal: true);
        }

        /// <summary>The caller gave up on the call (deadline, its token): fire the handler's token.</summary>
        public void Cancel(long callId) => _session.Cancel(callId);

        /// <summary>The link to this node closed: the calls it made lose their caller.</summary>
        public void CancelAll() => _session.CancelAll();

        /// <summary>Fires the tokens of local calls past their deadline (see <see cref="ServerSession.ExpireOverdue"/>).</summary>
        public void ExpireOverdue(long now) => _session.ExpireOverdue(now);

        void ICallReplies.SendResult(ServerCall call) => _caller.OnCallEnded(call.CallId, call.ResultPayload, null);

        void ICallReplies.SendError(long callId, in ErrorMessage error) => _caller.OnCallEnded(callId, default, error);

        // Streams to this node itself run over its loopback link (ClientLink.TryOpenStream), never in-process: a stream
        // call cannot reach this session, and an item has nowhere to go.
        bool ICallReplies.SendStreamItem(ServerCall call) => false;
    }
}
