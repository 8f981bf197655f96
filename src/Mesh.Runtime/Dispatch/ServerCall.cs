using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Mesh.Diagnostics;
using Mesh.Invocation;
using Mesh.Load;
using Mesh.Serialization;
using Mesh.Transport;

namespace Mesh.Dispatch;

/// <summary>
/// One call executing on this node: the arguments as received, the handler's cancellation (cancel frame,
/// deadline, link closed), and the result being written. Pooled per node: a call, its token source, its
/// argument copy and its result buffer are reused, so serving allocates nothing beyond the user's objects.
/// </summary>
internal sealed class ServerCall : IncomingRequest, IThreadPoolWorkItem
{
    private const int KeptBufferSize = 64 * 1024;

    /// <summary>Most stream items queued under one wake-up of the send loop.</summary>
    private const int MaxRun = 64;
    private readonly PooledBufferWriter _result = new();
    private readonly Action _onHandlerCompleted;
    private CancellationTokenSource _cancellation = new();
    private ServerSession _owner = null!;
    private HostedService _service = null!;
    private IPayloadSerializer _serializer = null!;
    private ConfiguredValueTaskAwaitable.ConfiguredValueTaskAwaiter _handler;
    private byte[]? _arguments;
    private int _argumentsLength;
    private int _readOffset;
    private bool _hasResult;
    private ActivityContext _parent;
    private Activity? _activity;

    // A stream's state (calls opened by a stream request): the credit the caller granted and its waiter.
    private readonly Lock _creditGate = new();
    private bool _isStream;
    private bool _streamWritten;
    private long _creditItems;
    private long _creditBytes;
    private TaskCompletionSource? _creditWaiter;
    private volatile bool _interrupted;

    public ServerCall()
        => _onHandlerCompleted = OnHandlerCompleted;

    private uint _methodId;

    public long CallId { get; private set; }

    /// <summary>When the handler started (from <see cref="NodeLoadMonitor.OnStarted"/>), for the service-time average.</summary>
    public long StartedAt { get; private set; }

    public override uint MethodId => _methodId;

    public string ServiceName => _service.Name;

    /// <summary>The called method's name (<c>unknown</c> when the service has no such method).</summary>
    public string MethodName => _service.MethodName(_methodId);

    public bool IsCancellationRequested => _cancellation.IsCancellationRequested;

    /// <summary>The call was opened by a stream request: its items go out as stream item frames, its end as a stream end.</summary>
    public bool IsStream => _isStream;

    /// <summary>A stream call whose handler never wrote a stream: the method is not a stream method here.</summary>
    public bool StreamNotWritten => _isStream && !_streamWritten;

    /// <summary>The node ended this stream before its end (<see cref="Interrupt"/>): the caller is told it may reopen it.</summary>
    public bool Interrupted => _interrupted;

    /// <summary>Credit the caller has granted and the stream has not used yet: items and bytes.</summary>
    public (long Items, long Bytes) Credit
    {
        get
        {
            lock (_creditGate)
            {
                return (_creditItems, _creditBytes);
            }
        }
    }

    /// <summary>The serialized result (empty when the method returns nothing); valid until <see cref="Release"/>.</summary>
    public ReadOnlySpan<byte> ResultPayload => _hasResult ? _result.WrittenSpan[FrameHeader.Size..] : [];

    /// <summary>The caller's span, when the request carried its trace context: the server span's parent.</summary>
    public ActivityContext Parent
    {
        get => _parent;
        set => _parent = value;
    }

    /// <summary>Prepares the call for one request: copies the arguments and arms the deadline.</summary>
    public void Start(ServerSession owner, HostedService service, IPayloadSerializer serializer, long callId, uint methodId, uint deadlineMilliseconds, in ReadOnlySequence<byte> arguments)
    {
        var length = checked((int)arguments.Length);
        Prepare(owner, service, serializer, callId, methodId, deadlineMilliseconds, length);
        arguments.CopyTo(_arguments);
    }

    /// <inheritdoc cref="Start(ServerSession, HostedService, IPayloadSerializer, long, uint, uint, in ReadOnlySequence{byte})"/>
    public void Start(ServerSession owner, HostedService service, IPayloadSerializer serializer, long callId, uint methodId, uint deadlineMilliseconds, ReadOnlySpan<byte> arguments)
    {
        Prepare(owner, service, serializer, callId, methodId, deadlineMilliseconds, arguments.Length);
        arguments.CopyTo(_arguments);
    }

    private void Prepare(ServerSession owner, HostedService service, IPayloadSerializer serializer, long callId, uint methodId, uint deadlineMilliseconds, int argumentsLength)
    {
        _owner = owner;
        _service = service;
        _serializer = serializer;
        CallId = callId;
        _methodId = methodId;
        _readOffset = 0;
        _hasResult = false;
        _argumentsLength = argumentsLength;
        _arguments = ArrayPool<byte>.Shared.Rent(Math.Max(argumentsLength, 1));
        // Always set: the session gives every call a deadline (MeshOptions.MaxDeadline at most); its sweep fires the
        // token once the deadline has passed (see ServerSession.ExpireOverdue), so a call arms no timer.
        DeadlineAt = Environment.TickCount64 + Math.Max(1, deadlineMilliseconds);
        DeadlineFired = false;
    }

    /// <summary>When the handler's token fires, in <see cref="Environment.TickCount64"/> milliseconds.</summary>
    public long DeadlineAt { get; private set; }

    /// <summary>Whether the session's sweep has fired the handler's token for the deadline.</summary>
    public bool DeadlineFired { get; set; }

    /// <summary>
    /// Makes this call a stream (before it runs): it may send nothing until the caller grants credit
    /// (<see cref="AddCredit"/>).
    /// </summary>
    public void OpenStream()
    {
        _isStream = true;
        _streamWritten = false;
        _interrupted = false;
        lock (_creditGate)
        {
            _creditItems = 0;
            _creditBytes = 0;
            _creditWaiter = null;
        }
    }

    /// <summary>
    /// The caller granted more credit to this stream: at most <paramref name="maxBytes"/> bytes of it are kept (a
    /// caller cannot make the node queue more for one stream). Wakes a producer waiting for credit.
    /// </summary>
    public void AddCredit(uint items, uint bytes, long maxBytes)
    {
        TaskCompletionSource? waiter;
        lock (_creditGate)
        {
            _creditItems = Math.Min(_creditItems + items, int.MaxValue);
            _creditBytes = Math.Min(_creditBytes + bytes, maxBytes);
            waiter = _creditWaiter;
            _creditWaiter = null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>Ends a running stream because the node stops: its handler's token fires and the caller is told it may reopen it.</summary>
    public void Interrupt()
    {
        _interrupted = true;
        Cancel();
    }

    /// <summary>Fires the handler's token (cancel frame, link closed). Never runs handler code inline.</summary>
    public void Cancel()
    {
        try
        {
            _ = _cancellation.CancelAsync();
        }
        catch (ObjectDisposedException)
        {
            // The call already finished.
        }
    }

    public override T ReadArgument<T>()
    {
        if (!TryReadArgument(out T value))
        {
            throw new InvalidOperationException($"The caller sent fewer arguments than {_service.Name} method 0x{MethodId:x8} takes.");
        }

        return value;
    }

    public override T ReadArgumentOrDefault<T>(T defaultValue)
        => TryReadArgument(out T value) ? value : defaultValue;

    public override void WriteResult<T>(T value)
    {
        if (_isStream)
        {
            throw new InvalidOperationException($"{_service.Name}.{MethodName} returns a result, but the caller opened it as a stream: the caller's build declares it differently.");
        }

        _result.Reset();

        // The response frame (result and appended load report) must fit the caller's frame limit: a larger result
        // fails this call alone, as soon as it passes the limit, instead of killing the caller's link.
        var limit = _owner.MaxResponseFrame - LoadReportCodec.MaxSize - 1;
        _result.Limit = limit;
        _result.Reserve(FrameHeader.Size);
        try
        {
            _serializer.SerializeFast(value, _result);
        }
        catch (PayloadTooLargeException)
        {
            _result.Reset();
            throw new PayloadTooLargeException(
                $"The result of {_service.Name}.{MethodName} serializes to more than the MeshOptions.MaxFrameSize of this node or of its caller allows ({limit - FrameHeader.Size} bytes with the load report).");
        }

        // Room for the load report the response carries.
        _result.Limit = int.MaxValue;
        _hasResult = true;
    }

    /// <summary>
    /// Sends each item of <paramref name="items"/> as a stream item frame once the caller's credit allows it (one
    /// item and at least one byte left), and completes after the last; the owner then sends the stream's end.
    /// </summary>
    public override async ValueTask WriteStreamAsync<T>(IAsyncEnumerable<T> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (!_isStream)
        {
            throw new InvalidOperationException($"{_service.Name}.{MethodName} returns a stream, but the caller called it for one result: the caller's build declares it differently.");
        }

        _streamWritten = true;
        var limit = _owner.MaxResponseFrame;
        var enumerator = items.GetAsyncEnumerator(cancellationToken);
        try
        {
            var next = enumerator.MoveNextAsync();
            while (await next.ConfigureAwait(false))
            {
                while (!HasCredit())
                {
                    await WaitForCreditAsync(cancellationToken).ConfigureAwait(false);
                }

                next = SendRun(enumerator, limit, cancellationToken);
            }
        }
        finally
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }

        _result.Reset();
    }

    /// <summary>
    /// Sends the enumerator's current item (credit is there) and every next one the producer has ready at once, while
    /// credit lasts and up to <see cref="MaxRun"/> items, with one wake-up of the send loop for all of them
    /// (<see cref="SendBatching"/>). Returns the producer's next step, not awaited.
    /// </summary>
    private ValueTask<bool> SendRun<T>(IAsyncEnumerator<T> enumerator, int limit, CancellationToken cancellationToken)
    {
        var scope = SendBatching.Begin();
        try
        {
            for (var sent = 1; ; sent++)
            {
                SendItem(enumerator.Current, limit, cancellationToken);
                if (sent == MaxRun || !HasCredit())
                {
                    return enumerator.MoveNextAsync();
                }

                var next = enumerator.MoveNextAsync();
                if (!next.IsCompletedSuccessfully)
                {
                    return next;
                }

                if (!next.Result)
                {
                    return new ValueTask<bool>(false);
                }
            }
        }
        finally
        {
            SendBatching.End(scope);
        }
    }

    private void SendItem<T>(T item, int limit, CancellationToken cancellationToken)
    {
        var length = WriteItem(item, limit);
        lock (_creditGate)
        {
            _creditItems--;
            _creditBytes -= length;
        }

        if (!_owner.SendStreamItem(this))
        {
            throw new OperationCanceledException($"The link of {_service.Name}.{MethodName}'s caller closed.", cancellationToken);
        }
    }

    /// <summary>The stream item frame <see cref="WriteStreamAsync"/> wrote last (header patched).</summary>
    public ReadOnlySpan<byte> StreamItemFrame => _result.WrittenSpan;

    private bool HasCredit()
    {
        lock (_creditGate)
        {
            return _creditItems > 0 && _creditBytes > 0;
        }
    }

    private Task WaitForCreditAsync(CancellationToken cancellationToken)
    {
        Task waiting;
        lock (_creditGate)
        {
            if (_creditItems > 0 && _creditBytes > 0)
            {
                return Task.CompletedTask;
            }

            _creditWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting = _creditWaiter.Task;
        }

        return waiting.WaitAsync(cancellationToken);
    }

    /// <summary>Serializes one item into the call's buffer as a whole stream item frame; returns the item's length.</summary>
    private int WriteItem<T>(T item, int limit)
    {
        _result.Reset();
        _result.Limit = limit;
        _result.Reserve(FrameHeader.Size);
        try
        {
            _serializer.SerializeFast(item, _result);
        }
        catch (PayloadTooLargeException)
        {
            _result.Reset();
            throw new PayloadTooLargeException(
                $"An item of {_service.Name}.{MethodName} serializes to more than MeshOptions.MaxFrameSize allows ({limit - FrameHeader.Size} bytes).");
        }

        _result.Limit = int.MaxValue;
        var frame = _result.WrittenSpanForPatch;
        var length = frame.Length - FrameHeader.Size;
        new FrameHeader(length, FrameKind.StreamItem, 0, CallId).Write(frame);
        return length;
    }

    /// <summary>Runs the handler (on the link's dispatcher, or the thread pool); the owner answers when it ends.</summary>
    public void Execute()
    {
        StartedAt = _owner.Load.OnStarted();
        Activity? ambient = null;
        var traced = MeshDiagnostics.ActivitySource.HasListeners();
        if (traced)
        {
            // The handler runs inside the server span (its own spans become children); this thread gets its own back.
            ambient = Activity.Current;
            _activity = MeshDiagnostics.StartServerActivity(_service.Name, MethodName, _parent);
        }

        ValueTask handler;
        try
        {
            handler = _service.DispatchAsync(this, _cancellation.Token);
        }
        catch (Exception ex)
        {
            _owner.OnCallEnded(this, ex);
            return;
        }
        finally
        {
            if (traced)
            {
                Activity.Current = ambient;
            }
        }

        if (handler.IsCompletedSuccessfully)
        {
            handler.GetAwaiter().GetResult();
            _owner.OnCallEnded(this, null);
            return;
        }

        _handler = handler.ConfigureAwait(false).GetAwaiter();
        _handler.UnsafeOnCompleted(_onHandlerCompleted);
    }

    /// <summary>The response frame (the result or an empty one) with <paramref name="load"/>'s report appended, its header patched.</summary>
    public ReadOnlySpan<byte> ResponseFrame(NodeLoadMonitor load)
    {
        if (!_hasResult)
        {
            _result.Reset();
            _result.Reserve(FrameHeader.Size);
        }

        var frame = _result.WrittenSpanForPatch;
        new FrameHeader(frame.Length - FrameHeader.Size, _isStream ? FrameKind.StreamEnd : FrameKind.Response, 0, CallId).Write(frame);

        // Into the same pooled buffer: the report costs a few bytes and no allocation.
        LoadReportFrames.Append(_result, 0, load);
        return _result.WrittenSpan;
    }

    /// <summary>Ends the server span, if one was started, with the handler's outcome.</summary>
    public void EndActivity(Exception? error)
    {
        if (_activity is not { } activity)
        {
            return;
        }

        _activity = null;
        if (error is not null)
        {
            activity.SetTag("error.type", MeshMetrics.ErrorType(error));
            activity.SetStatus(ActivityStatusCode.Error);
        }

        var ambient = Activity.Current;
        activity.Dispose();
        Activity.Current = ambient == activity ? null : ambient;
    }

    /// <summary>Returns the call's memory and readies it for another request.</summary>
    public void Release()
    {
        if (_arguments is { } arguments)
        {
            _arguments = null;
            ArrayPool<byte>.Shared.Return(arguments);
        }

        if (_result.Capacity > KeptBufferSize)
        {
            _result.Shrink();
        }

        _result.Reset();
        _owner = null!;
        _parent = default;
        _activity = null;
        _service = null!;
        _serializer = null!;
        _handler = default;
        _isStream = false;
        _streamWritten = false;
        _interrupted = false;
        lock (_creditGate)
        {
            _creditWaiter = null;
        }

        // A source whose token fired (or whose deadline timer ever ran) cannot be reset: replace it.
        if (!_cancellation.TryReset())
        {
            _cancellation.Dispose();
            _cancellation = new CancellationTokenSource();
        }
    }

    private void OnHandlerCompleted()
    {
        Exception? error = null;
        try
        {
            _handler.GetResult();
        }
        catch (Exception ex)
        {
            error = ex;
        }

        _owner.OnCallEnded(this, error);
    }

    private bool TryReadArgument<T>(out T value)
    {
        var arguments = _arguments ?? throw new ObjectDisposedException(nameof(ServerCall));
        if (_readOffset >= _argumentsLength)
        {
            value = default!;
            return false;
        }

        if (_argumentsLength - _readOffset < 4)
        {
            throw new InvalidOperationException("The request's arguments are truncated.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(arguments.AsSpan(_readOffset));
        if (length < 0 || length > _argumentsLength - _readOffset - 4)
        {
            throw new InvalidOperationException("The request's arguments are truncated.");
        }

        value = _serializer.DeserializeFast<T>(arguments.AsSpan(_readOffset + 4, length));
        _readOffset += 4 + length;
        return true;
    }
}
