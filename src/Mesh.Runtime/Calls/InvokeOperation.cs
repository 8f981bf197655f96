using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Mesh.Diagnostics;
using Mesh.Invocation;
using Mesh.Serialization;
using Mesh.Transport;

namespace Mesh.Calls;

/// <summary>
/// One call through the <see cref="CallRouter"/>, from pick to result: the call's attempts and retries written as a
/// pooled state machine rather than an async method. An async method's state lives in a box that the runtime's
/// pooling builder keeps only a few of per thread, so with many calls in flight most boxes were allocated; these
/// objects come from a pool as large as the calls a node keeps in flight, so a call allocates nothing at any
/// concurrency. The caller's continuation runs where the outcome arrives (the link's dispatcher), as before.
/// </summary>
/// <remarks>
/// Lifecycle: <see cref="Start"/> rents and runs the first attempt; each attempt either finishes the operation
/// or awaits its pending call (no thread blocks); the caller's <c>GetResult</c> reads the outcome and returns the
/// operation to the pool, so it must be awaited exactly once — the <see cref="ValueTask"/> contract.
/// </remarks>
internal sealed class InvokeOperation<TResult> : IValueTaskSource<TResult>, IValueTaskSource
{
    private static readonly BoundedPool<InvokeOperation<TResult>> Pool = new(4096);
    private readonly Action _onAnswered;
    private ManualResetValueTaskSourceCore<TResult> _core = new() { RunContinuationsAsynchronously = false };
    private CallRouter _router = null!;
    private RequestBuilder _request = null!;
    private bool _deserialize;
    private CancellationToken _cancellationToken;
    private long _started;
    private int _attempt;
    private List<ClientLink>? _excluded;
    private Exception? _lastFailure;
    private string? _peer;
    private Activity? _activity;
    private PendingCall? _call;
    private ClientLink? _link;
    private long _callId;
    private ValueTaskAwaiter<ResponsePayload> _answer;

    private InvokeOperation() => _onAnswered = OnAnswered;

    private MeshMethod Method => _request.Method;

    /// <summary>Starts a call; the returned operation completes with its result or typed failure.</summary>
    public static InvokeOperation<TResult> Start(CallRouter router, RequestBuilder request, bool deserialize, CancellationToken cancellationToken)
    {
        var operation = Pool.TryRent() ?? new InvokeOperation<TResult>();
        operation._router = router;
        operation._request = request;
        operation._deserialize = deserialize;
        operation._cancellationToken = cancellationToken;
        operation._started = Stopwatch.GetTimestamp();
        operation._attempt = 0;
        if (MeshDiagnostics.ActivitySource.HasListeners())
        {
            // The activity spans the call but must not become the caller's ambient one after Start returns.
            var ambient = Activity.Current;
            operation._activity = MeshDiagnostics.StartClientActivity(request.Method);
            Activity.Current = ambient;
        }

        if (cancellationToken.IsCancellationRequested)
        {
            operation.Finish(default!, new OperationCanceledException($"The call to {request.Method} was cancelled by the caller.", null, cancellationToken));
        }
        else
        {
            operation.NextAttempt();
        }

        return operation;
    }

    public ValueTask<TResult> AsValueTask() => new(this, _core.Version);

    public ValueTask AsVoidValueTask() => new(this, _core.Version);

    public TResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Recycle();
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Sends the next attempt, until one is awaiting its answer or the operation has finished.</summary>
    private void NextAttempt()
    {
        while (true)
        {
            PendingCall call;
            try
            {
                var link = _router.Pick(Method, _excluded, _lastFailure, out var linksChanged, _request.RoutingKey);
                if (link is null)
                {
                    // The node is still making its first links: wait for them within the deadline, then pick again.
                    _ = WaitForFirstLinkAsync(linksChanged!);
                    return;
                }

                _attempt++;
                _peer = link.PeerNodeId;
                _router.Metrics.RecordPick(_peer);
                _activity?.SetTag("server.address", _peer);

                // The first attempt has the whole deadline; a retry what is left of it.
                var deadline = _router.Deadline;
                var remaining = _attempt == 1 ? deadline : deadline - Stopwatch.GetElapsedTime(_started);
                if (remaining <= TimeSpan.Zero)
                {
                    throw new DeadlineExceededException(Method.ToString(), deadline);
                }

                call = PendingCall.Start(Method, deadline, _started + _router.DeadlineTicks, _cancellationToken);
                var sent = link.TrySend(_request, call, (uint)Math.Ceiling(remaining.TotalMilliseconds), _activity?.Context ?? default, out var callId);
                if (sent != SendResult.Sent)
                {
                    call.Release(poolable: true);
                    (_excluded ??= []).Add(link);
                    var reason = sent == SendResult.Full ? "link_full" : "link_closing";
                    Retried(reason, link.PeerNodeId);
                    MeshLog.Retrying(_router.Logger, Method.ToString(), sent == SendResult.Full
                        ? $"the link to '{link.PeerNodeId}' has {link.Outstanding} calls in flight, its limit"
                        : $"the link to '{link.PeerNodeId}' is closing");
                    continue;
                }

                _call = call;
                _link = link;
                _callId = callId;
            }
            catch (Exception ex)
            {
                Finish(default!, ex);
                return;
            }

            var answer = call.Task.GetAwaiter();
            if (!answer.IsCompleted)
            {
                _answer = answer;
                answer.UnsafeOnCompleted(_onAnswered);
                return;
            }

            if (Answered(answer))
            {
                return;
            }
        }
    }

    /// <summary>Waits (allocating: only while the node starts) for the links to change, then picks again or fails.</summary>
    private async Task WaitForFirstLinkAsync(Task linksChanged)
    {
        var remaining = _router.Deadline - Stopwatch.GetElapsedTime(_started);
        try
        {
            await linksChanged.WaitAsync(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, _cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Finish(default!, new PeerUnavailableException($"No peer was linked within the deadline of {Method} ({_router.Deadline.TotalSeconds:0.#} s); check the mesh's discovery settings and that peers are running."));
            return;
        }
        catch (OperationCanceledException)
        {
            Finish(default!, new OperationCanceledException($"The call to {Method} was cancelled by the caller.", null, _cancellationToken));
            return;
        }

        NextAttempt();
    }

    /// <summary>The attempt on <paramref name="peer"/> goes to another peer because of <paramref name="reason"/>.</summary>
    private void Retried(string reason, string peer)
    {
        _router.Metrics.RecordRetry(Method.ServiceName, reason);
        _activity?.AddEvent(new ActivityEvent("mesh.retry", tags: new ActivityTagsCollection
        {
            ["mesh.retry.reason"] = reason,
            ["server.address"] = peer,
        }));
    }

    private void OnAnswered()
    {
        var answer = _answer;
        _answer = default;
        if (!Answered(answer))
        {
            NextAttempt();
        }
    }

    /// <summary>Takes the attempt's answer: true when the operation has finished, false to try another peer.</summary>
    private bool Answered(ValueTaskAwaiter<ResponsePayload> answer)
    {
        var call = _call!;
        var link = _link!;
        _call = null;
        _link = null;
        TResult result;
        Exception? error = null;
        try
        {
            using var response = answer.GetResult();
            result = _deserialize ? _router.Serializer.DeserializeFast<TResult>(response.Span) : default!;
        }
        catch (Exception ex)
        {
            result = default!;
            error = ex;
        }

        var mayRetry = error is not null && !call.Expired && !_cancellationToken.IsCancellationRequested && CallFailures.MayRetry(error, Method);
        link.Finish(call, _callId);
        if (mayRetry)
        {
            if (_attempt < CallFailures.MaxAttempts)
            {
                (_excluded ??= []).Add(link);
                _lastFailure = error;
                Retried(CallFailures.RetryReason(error!), link.PeerNodeId);
                MeshLog.Retrying(_router.Logger, Method.ToString(), error!.Message);
                return false;
            }

            // Out of attempts: a call every peer refused says so, whatever the last peer was.
            error = CallFailures.NoPeerLeft(Method, _attempt, error);
        }

        Finish(result, error);
        return true;
    }

    /// <summary>Records the outcome and completes the operation; the caller's continuation runs on this thread.</summary>
    private void Finish(TResult result, Exception? error)
    {
        var method = Method;
        _request.Dispose();
        var metrics = _router.Metrics;
        if (metrics.ClientDuration.Enabled)
        {
            metrics.RecordClientCall(method.ServiceName, method.Name, _peer, error, Stopwatch.GetElapsedTime(_started).TotalSeconds);
        }

        if (_activity is { } activity)
        {
            _activity = null;
            if (error is not null)
            {
                activity.SetTag("error.type", MeshMetrics.ErrorType(error));
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
            }

            // Stopping makes the activity's parent ambient on this thread: keep this thread's own.
            var ambient = Activity.Current;
            activity.Dispose();
            Activity.Current = ambient;
        }

        if (error is null)
        {
            _core.SetResult(result);
        }
        else
        {
            _core.SetException(error);
        }
    }

    private void Recycle()
    {
        _core.Reset();
        _router = null!;
        _lastFailure = null;
        _peer = null;
        _request = null!;
        _cancellationToken = default;
        _excluded?.Clear();
        Pool.Return(this);
    }
}
