using System.Threading.Tasks.Sources;
using Mesh.Invocation;
using Mesh.Transport;

namespace Mesh.Calls;

/// <summary>
/// A call waiting for its response on a link. It completes exactly once, whichever comes first: the
/// response, an error, cancellation, the deadline, or the link failing.
/// </summary>
internal sealed class PendingCall : IValueTaskSource<ResponsePayload>
{
    private static readonly Action<object?> CancelCallback = static state => ((PendingCall)state!).OnCancelled();
    private ManualResetValueTaskSourceCore<ResponsePayload> _core = new() { RunContinuationsAsynchronously = true };
    private int _completed;

    public PendingCall(MeshMethod method, TimeSpan deadline, CancellationToken userToken)
    {
        Method = method;
        Deadline = deadline;
        UserToken = userToken;
    }

    public MeshMethod Method { get; }

    public TimeSpan Deadline { get; }

    public CancellationToken UserToken { get; }

    /// <summary>The link the call was sent on, and its id there.</summary>
    public ClientLink? Link { get; private set; }

    public long CallId { get; private set; }

    /// <summary>When the call was handed to the link (a <see cref="TimeProvider"/> timestamp), for latency.</summary>
    public long SentAt { get; private set; }

    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    public ValueTask<ResponsePayload> Task => new(this, _core.Version);

    public static Action<object?> OnCancel => CancelCallback;

    public void Attach(ClientLink link, long callId, long sentAt)
    {
        Link = link;
        CallId = callId;
        SentAt = sentAt;
    }

    public bool TrySetResult(ResponsePayload payload)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        _core.SetResult(payload);
        return true;
    }

    public bool TrySetException(Exception exception)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        _core.SetException(exception);
        return true;
    }

    public ResponsePayload GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    private void OnCancelled()
    {
        Exception exception = UserToken.IsCancellationRequested
            ? new OperationCanceledException($"The call to {Method} was cancelled by the caller.", null, UserToken)
            : new DeadlineExceededException(Method.ToString(), Deadline);
        if (TrySetException(exception))
        {
            // Tell the server, so the handler's token fires and it stops working on a call nobody awaits.
            Link?.Cancel(this);
        }
    }
}
