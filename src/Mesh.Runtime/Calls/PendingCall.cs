using System.Diagnostics;
using System.Threading.Tasks.Sources;
using Mesh.Balancing;
using Mesh.Invocation;
using Mesh.Transport;

namespace Mesh.Calls;

/// <summary>
/// A call waiting for its response on a link. It completes exactly once, whichever comes first: the
/// response, an error, the link failing (all three through the link, which first removes it from its
/// table), the caller's token, or the deadline (found overdue by its link's sweep, see
/// <see cref="PendingTable.ExpireOverdue"/>: no timer per call). Instances are pooled: the router returns one only when
/// nothing else can still touch it (see <see cref="Release"/>), so reuse never crosses two calls.
/// </summary>
internal sealed class PendingCall : IValueTaskSource<ResponsePayload>
{
    private static readonly BoundedPool<PendingCall> Pool = new(1024);
    private static readonly Action<object?> UserCancelCallback = static state => ((PendingCall)state!).OnUserCancelled();
    private static readonly Action<PendingCall> PublishCallback = static call => call.Publish();

    // The caller's continuation runs where the outcome is published: on the link's dispatcher for answers
    // (batched, see BatchDispatcher), on the thread pool for deadlines and cancellation, never on the receive
    // loop or inside the caller's CancellationTokenSource.Cancel.
    private ManualResetValueTaskSourceCore<ResponsePayload> _core = new() { RunContinuationsAsynchronously = false };
    private Exception? _error;
    private long _deadlineTimestamp;
    private CancellationTokenRegistration _userRegistration;
    private PeerCallTracker _tracker;
    private int _completed;
    private bool _completedByLink;
    private bool _expired;

    private PendingCall()
    {
        Method = null!;
    }

    public MeshMethod Method { get; private set; }

    /// <summary>The call's whole deadline (for the error message).</summary>
    public TimeSpan Deadline { get; private set; }

    public CancellationToken UserToken { get; private set; }


    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>True when the link completed the call (response, error frame, link failure).</summary>
    public bool CompletedByLink => Volatile.Read(ref _completedByLink);

    public ValueTask<ResponsePayload> Task => new(this, _core.Version);

    /// <summary>When the call's deadline passes, as a <see cref="Stopwatch"/> timestamp.</summary>
    public long DeadlineTimestamp => _deadlineTimestamp;

    /// <summary>
    /// Takes a call from the pool (or makes one) and arms it: it fails with
    /// <see cref="DeadlineExceededException"/> once <paramref name="deadlineTimestamp"/> (a <see cref="Stopwatch"/>
    /// timestamp the router already has) has passed and its link's sweep finds it, and with
    /// <see cref="OperationCanceledException"/> when <paramref name="userToken"/> fires.
    /// </summary>
    public static PendingCall Start(MeshMethod method, TimeSpan deadline, long deadlineTimestamp, CancellationToken userToken)
    {
        var call = Pool.TryRent() ?? new PendingCall();
        call.Arm(method, deadline, deadlineTimestamp, userToken);
        return call;
    }

    /// <summary>
    /// Fails the call with <see cref="DeadlineExceededException"/> if it has not ended yet. Called by its link's sweep
    /// (under the pending table's lock, so the call cannot be recycled meanwhile) once its deadline has passed.
    /// </summary>
    public void Expire()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _expired = true;
            PublishLater(new DeadlineExceededException(Method.ToString(), Deadline));
        }
    }

    /// <summary>The link is about to send the call to the peer of <paramref name="peer"/>: it counts as outstanding there until settled.</summary>
    public void Track(PeerStats peer) => _tracker = peer.Track();

    /// <summary>
    /// Settles the call's account with its peer (<see cref="PeerCallTracker.Settle"/>). Whoever removes the call
    /// from its link's pending table settles it; a second settle is a no-op.
    /// </summary>
    public void Settle(PeerCallOutcome outcome, long now = 0) => _tracker.Settle(outcome, now);

    /// <summary>
    /// Claims the call for the link's outcome (response, error frame, link failure); false if it had already
    /// ended. After a successful claim the link must <see cref="PublishResult"/> or <see cref="PublishException"/>.
    /// </summary>
    public bool TryClaim()
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        Volatile.Write(ref _completedByLink, true);
        return true;
    }

    /// <summary>Completes a claimed call with its response; the caller's continuation runs on this thread.</summary>
    public void PublishResult(ResponsePayload payload) => _core.SetResult(payload);

    /// <summary>Fails a claimed call; the caller's continuation runs on this thread.</summary>
    public void PublishException(Exception exception) => _core.SetException(exception);

    /// <summary>
    /// Disarms the deadline and the caller's token and, when <paramref name="poolable"/> (no link can still
    /// hold the call), returns it to the pool. Called once by the router after awaiting <see cref="Task"/>.
    /// </summary>
    public void Release(bool poolable)
    {
        // Unregister (unlike Dispose) never waits; false means the callback ran or is running.
        var userCallbackDone = !UserToken.CanBeCanceled || _userRegistration.Unregister();
        _userRegistration = default;
        if (poolable && userCallbackDone)
        {
            Method = null!;
            UserToken = default;
            Pool.Return(this);
        }
    }

    public ResponsePayload GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    private void Arm(MeshMethod method, TimeSpan deadline, long deadlineTimestamp, CancellationToken userToken)
    {
        _core.Reset();
        Method = method;
        Deadline = deadline;
        UserToken = userToken;
        _completedByLink = false;
        _expired = false;
        _deadlineTimestamp = deadlineTimestamp;
        Volatile.Write(ref _completed, 0);

        if (userToken.CanBeCanceled)
        {
            _userRegistration = userToken.UnsafeRegister(UserCancelCallback, this);
        }
    }

    private void OnUserCancelled()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            PublishLater(new OperationCanceledException($"The call to {Method} was cancelled by the caller.", null, UserToken));
        }
    }

    /// <summary>Fails the call from a thread-pool work item (not inside the sweep's lock or the caller's Cancel).</summary>
    private void PublishLater(Exception error)
    {
        _error = error;
        ThreadPool.UnsafeQueueUserWorkItem(PublishCallback, this, preferLocal: false);
    }

    private void Publish()
    {
        var error = _error!;
        _error = null;
        _core.SetException(error);
    }

    /// <summary>True when the deadline (not the link or the caller) ended the call.</summary>
    public bool Expired => _expired;
}
