using System.Diagnostics;
using System.Threading.Tasks.Sources;
using Mesh.Balancing;
using Mesh.Invocation;
using Mesh.Transport;

namespace Mesh.Calls;

/// <summary>
/// A call waiting for its response on a link. It completes exactly once, whichever comes first: the
/// response, an error, the link failing (all three through the link, which first removes it from its
/// table), the caller's token, or the deadline. Instances are pooled: the router returns one only when
/// nothing else can still touch it (see <see cref="Release"/>), so reuse never crosses two calls.
/// </summary>
internal sealed class PendingCall : IValueTaskSource<ResponsePayload>
{
    private static readonly BoundedPool<PendingCall> Pool = new(1024);
    private static readonly Action<object?> UserCancelCallback = static state => ((PendingCall)state!).OnUserCancelled();
    private static readonly TimerCallback DeadlineCallback = static state => ((PendingCall)state!).OnDeadline();
    private readonly Lock _timerGate = new();
    private static readonly Action<PendingCall> PublishCallback = static call => call.Publish();

    // The caller's continuation runs where the outcome is published: on the link's dispatcher for answers
    // (batched, see BatchDispatcher), on the thread pool for deadlines and cancellation, never on the receive
    // loop or inside the caller's CancellationTokenSource.Cancel.
    private ManualResetValueTaskSourceCore<ResponsePayload> _core = new() { RunContinuationsAsynchronously = false };
    private Exception? _error;
    private Timer? _timer;
    private bool _timerArmed;
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

    /// <summary>
    /// Takes a call from the pool (or makes one) and arms it: it fails with
    /// <see cref="DeadlineExceededException"/> after <paramref name="remaining"/> (at <paramref name="deadlineTimestamp"/>,
    /// a <see cref="Stopwatch"/> timestamp the router already has), and with <see cref="OperationCanceledException"/>
    /// when <paramref name="userToken"/> fires.
    /// </summary>
    public static PendingCall Start(MeshMethod method, TimeSpan deadline, TimeSpan remaining, long deadlineTimestamp, CancellationToken userToken)
    {
        var call = Pool.TryRent() ?? new PendingCall();
        call.Arm(method, deadline, remaining, deadlineTimestamp, userToken);
        return call;
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
        lock (_timerGate)
        {
            _timerArmed = false;
            _timer?.Change(Timeout.Infinite, Timeout.Infinite);
        }

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

    private void Arm(MeshMethod method, TimeSpan deadline, TimeSpan remaining, long deadlineTimestamp, CancellationToken userToken)
    {
        _core.Reset();
        Method = method;
        Deadline = deadline;
        UserToken = userToken;
        _completedByLink = false;
        _expired = false;
        Volatile.Write(ref _completed, 0);
        lock (_timerGate)
        {
            _deadlineTimestamp = deadlineTimestamp;
            _timerArmed = true;
            _timer ??= new Timer(DeadlineCallback, this, Timeout.Infinite, Timeout.Infinite);
            _timer.Change(DueTime(remaining), Timeout.Infinite);
        }

        if (userToken.CanBeCanceled)
        {
            _userRegistration = userToken.UnsafeRegister(UserCancelCallback, this);
        }
    }

    private static long DueTime(TimeSpan remaining) => Math.Max(1, (long)Math.Ceiling(remaining.TotalMilliseconds));

    private void OnDeadline()
    {
        // Under the lock: the router cannot release (and so reuse) the call while this runs, and a timer
        // tick left over from a previous use sees _timerArmed false or a later deadline.
        lock (_timerGate)
        {
            if (!_timerArmed)
            {
                return;
            }

            var left = _deadlineTimestamp - Stopwatch.GetTimestamp();
            if (left > 0)
            {
                // Timers are coarse and may fire a little early: wait for the rest.
                _timer!.Change(DueTime(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency)), Timeout.Infinite);
                return;
            }

            _timerArmed = false;
            if (Interlocked.Exchange(ref _completed, 1) == 0)
            {
                _expired = true;
                PublishLater(new DeadlineExceededException(Method.ToString(), Deadline));
            }
        }
    }

    private void OnUserCancelled()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            PublishLater(new OperationCanceledException($"The call to {Method} was cancelled by the caller.", null, UserToken));
        }
    }

    /// <summary>Fails the call from a thread-pool work item (not inside a timer's lock or the caller's Cancel).</summary>
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
