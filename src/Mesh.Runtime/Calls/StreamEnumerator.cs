using System.Diagnostics;
using Mesh.Invocation;
using Mesh.Serialization;

namespace Mesh.Calls;

/// <summary>
/// One stream from the caller's side. The first <see cref="MoveNextAsync"/> opens it like a call: the router picks a
/// peer that hosts the service (the same policy, or the key's owner for a keyed service; the stream counting as
/// outstanding on that peer until it ends), on a
/// link whose peer serves streams; a refusal before the first item sends it to another peer. Items then come from the
/// stream's <see cref="StreamReceiver"/>, and taking them grants the server more credit. The call's deadline bounds the
/// whole stream. Disposing before the end tells the server to stop (the handler's token fires).
/// </summary>
internal sealed class StreamEnumerator<T> : IAsyncEnumerator<T>
{
    private readonly CallRouter _router;
    private readonly RequestBuilder _request;
    private readonly MeshMethod _method;
    private readonly CancellationTokenSource? _linked;
    private readonly CancellationToken _token;
    private readonly long _started = Stopwatch.GetTimestamp();
    private List<ClientLink>? _excluded;
    private Exception? _lastFailure;
    private int _attempts;
    private int _withoutStreams;
    private bool _finished;
    private ClientLink? _link;
    private PendingCall? _call;
    private StreamReceiver? _receiver;
    private Task? _watch;
    private long _callId;
    private long _received;

    public StreamEnumerator(CallRouter router, RequestBuilder request, CancellationToken callToken, CancellationToken enumeratorToken)
    {
        _router = router;
        _request = request;
        _method = request.Method;
        if (callToken.CanBeCanceled && enumeratorToken.CanBeCanceled && callToken != enumeratorToken)
        {
            _linked = CancellationTokenSource.CreateLinkedTokenSource(callToken, enumeratorToken);
            _token = _linked.Token;
        }
        else
        {
            _token = callToken.CanBeCanceled ? callToken : enumeratorToken;
        }
    }

    public T Current { get; private set; } = default!;

    /// <summary>Items received and not yet taken by the consumer (0 before the stream opens).</summary>
    internal int BufferedItems => _receiver?.BufferedItems ?? 0;

    /// <summary>Bytes of the items received and not yet taken.</summary>
    internal long BufferedBytes => _receiver?.BufferedBytes ?? 0;

    /// <summary>The node serving the stream, once it is open.</summary>
    internal string? PeerNodeId => _link?.PeerNodeId;

    public async ValueTask<bool> MoveNextAsync()
    {
        if (_finished)
        {
            return false;
        }

        try
        {
            if (_call is null)
            {
                await OpenAsync().ConfigureAwait(false);
            }

            while (true)
            {
                if (_receiver!.TryTake(out var item, out var grantItems, out var grantBytes, out var error, out var waiting))
                {
                    if (grantItems != 0)
                    {
                        _link!.SendCredit(_callId, grantItems, grantBytes);
                    }

                    _received++;
                    using (item)
                    {
                        Current = _router.Serializer.DeserializeFast<T>(item.Span);
                    }

                    return true;
                }

                if (waiting is not null)
                {
                    await waiting.ConfigureAwait(false);
                    continue;
                }

                var peer = _link!.PeerNodeId;
                await CloseAttemptAsync().ConfigureAwait(false);
                if (error is null)
                {
                    _finished = true;
                    return false;
                }

                if (_received == 0 && _attempts < CallFailures.MaxAttempts && error is CallRefusedException or UnknownServiceException)
                {
                    // Refused before it ran: another peer may take it.
                    _router.Metrics.RecordRetry(_method.ServiceName, CallFailures.RetryReason(error));
                    _lastFailure = error;
                    await OpenAsync().ConfigureAwait(false);
                    continue;
                }

                throw error is PeerUnavailableException lost
                    ? new StreamInterruptedException($"The link to node '{peer}' failed while the stream of {_method} was open, after {_received} items; reopen the stream.", lost)
                    : error;
            }
        }
        catch
        {
            _finished = true;
            await CloseAttemptAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _finished = true;
        await CloseAttemptAsync().ConfigureAwait(false);
        _request.Dispose();
        _linked?.Dispose();
    }

    /// <summary>Picks a peer and opens the stream there (waiting for the first links while the node starts).</summary>
    private async Task OpenAsync()
    {
        var deadline = _router.Deadline;
        while (true)
        {
            if (_token.IsCancellationRequested)
            {
                throw new OperationCanceledException($"The stream of {_method} was cancelled by the caller.", null, _token);
            }

            var remaining = deadline - Stopwatch.GetElapsedTime(_started);
            if (remaining <= TimeSpan.Zero)
            {
                throw new DeadlineExceededException(_method.ToString(), deadline);
            }

            ClientLink? link;
            Task? linksChanged;
            try
            {
                link = _router.Pick(_method, _excluded, _lastFailure, out linksChanged, _request.RoutingKey);
            }
            catch (MeshException) when (_lastFailure is UnknownMethodException old && _withoutStreams == _excluded?.Count)
            {
                // Every peer tried runs a build that does not serve streams: say so rather than "no peer left".
                throw old;
            }

            if (link is null)
            {
                try
                {
                    await linksChanged!.WaitAsync(remaining, _token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw new PeerUnavailableException($"No peer was linked within the deadline of {_method} ({deadline.TotalSeconds:0.#} s); check the mesh's discovery settings and that peers are running.");
                }

                continue;
            }

            (_excluded ??= []).Add(link);
            if (!link.ServesStreams)
            {
                _withoutStreams++;
                _lastFailure = UnknownMethodException.VersionMismatch(
                    _method.ServiceName,
                    _method.Id,
                    _method.Contract ?? _method.Name,
                    $"node '{link.PeerNodeId}' runs a Mesh build that does not serve streams (its preface lacks the stream feature); upgrade it to call {_method}");
                continue;
            }

            _attempts++;
            var call = PendingCall.Start(_method, deadline, _started + _router.DeadlineTicks, _token);
            var receiver = new StreamReceiver(_router.StreamCreditItems, _router.StreamCreditBytes);
            var sent = link.TryOpenStream(_request, call, receiver, (uint)Math.Ceiling(remaining.TotalMilliseconds), out var callId);
            if (sent != SendResult.Sent)
            {
                call.Release(poolable: true);
                _router.Metrics.RecordRetry(_method.ServiceName, sent == SendResult.Full ? "link_full" : "link_closing");
                continue;
            }

            _router.Metrics.RecordPick(link.PeerNodeId);
            _link = link;
            _call = call;
            _callId = callId;
            _receiver = receiver;
            _watch = WatchAsync(call, receiver);
            return;
        }
    }

    /// <summary>Hands the stream's end (the pending call's outcome) to its receiver.</summary>
    private static async Task WatchAsync(PendingCall call, StreamReceiver receiver)
    {
        try
        {
            using var end = await call.Task.ConfigureAwait(false);
            receiver.OnEnded(null);
        }
        catch (Exception ex)
        {
            receiver.OnEnded(ex);
        }
    }

    /// <summary>Ends the current attempt: a stream still open is cancelled at the server; the link forgets it.</summary>
    private async ValueTask CloseAttemptAsync()
    {
        if (_call is not { } call)
        {
            return;
        }

        _call = null;
        if (call.TryClaim())
        {
            call.PublishException(new OperationCanceledException($"The consumer of the stream of {_method} stopped reading it."));
        }

        await _watch!.ConfigureAwait(false);
        _link!.EndStream(call, _callId);
        _receiver!.Clear();
    }
}
