using System.Buffers;
using Mesh.Transport;

namespace Mesh.Calls;

/// <summary>
/// The caller's buffer of one open stream, between the link's receive loop (which adds items) and the consumer
/// (which takes them), with the stream's credit: the server may send an item while it has an item and at least one
/// byte of credit left, so the buffer holds at most <see cref="WindowItems"/> items and <see cref="WindowBytes"/> plus
/// one item's bytes. The consumer grants credit back once it has taken half a window.
/// </summary>
internal sealed class StreamReceiver(uint windowItems, uint windowBytes)
{
    private readonly Lock _gate = new();
    private readonly Queue<ResponsePayload> _items = new();
    private long _creditItems = windowItems;
    private long _creditBytes = windowBytes;
    private uint _takenItems;
    private uint _takenBytes;
    private long _bufferedBytes;
    private bool _ended;
    private bool _wakeScheduled;
    private Exception? _error;
    private TaskCompletionSource? _waiter;

    /// <summary>Items of credit the stream is opened with and granted again as they are taken.</summary>
    public uint WindowItems { get; } = windowItems;

    /// <summary>Bytes of credit the stream is opened with and granted again as they are taken.</summary>
    public uint WindowBytes { get; } = windowBytes;

    /// <summary>Items received and not yet taken.</summary>
    public int BufferedItems
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Bytes of the items received and not yet taken.</summary>
    public long BufferedBytes
    {
        get
        {
            lock (_gate)
            {
                return _bufferedBytes;
            }
        }
    }

    /// <summary>
    /// An item arrived (on the receive loop): copied and queued. Returns true when a consumer waits for it and is to be
    /// woken (<see cref="Wake"/>) once the read's frames are handled — one wake-up for all the items of a read.
    /// </summary>
    /// <exception cref="ProtocolException">The server sent more than the credit it was granted.</exception>
    public bool OnItem(in ReadOnlySequence<byte> payload)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return false;
            }

            if (_creditItems <= 0 || _creditBytes <= 0)
            {
                throw new ProtocolException("the peer sent a stream item beyond the credit the caller granted");
            }

            _creditItems--;
            _creditBytes -= payload.Length;
            _bufferedBytes += payload.Length;
            _items.Enqueue(ResponsePayload.Copy(payload));
            if (_waiter is null || _wakeScheduled)
            {
                return false;
            }

            _wakeScheduled = true;
            return true;
        }
    }

    /// <summary>Wakes the consumer waiting for the items <see cref="OnItem"/> queued.</summary>
    public void Wake()
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            _wakeScheduled = false;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>The stream ended: after its last item (<paramref name="error"/> null) or with a failure.</summary>
    public void OnEnded(Exception? error)
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            _error = error;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>
    /// The consumer's next step: an item (true; <paramref name="grantItems"/>/<paramref name="grantBytes"/> non-zero
    /// when the consumer is to grant that credit back), or the end (false, <paramref name="waiting"/> null; then
    /// <paramref name="error"/> is the failure, if any), or nothing yet (false, <paramref name="waiting"/> completes when
    /// that changes). A failure that stops the consumer at once (deadline, cancellation) comes before buffered items.
    /// </summary>
    public bool TryTake(out ResponsePayload item, out uint grantItems, out uint grantBytes, out Exception? error, out Task? waiting)
    {
        lock (_gate)
        {
            grantItems = 0;
            grantBytes = 0;
            error = null;
            waiting = null;
            item = default;
            if (_ended && _error is OperationCanceledException or DeadlineExceededException)
            {
                error = _error;
                return false;
            }

            if (_items.TryDequeue(out item))
            {
                var length = (uint)item.Span.Length;
                _bufferedBytes -= length;
                _takenItems++;
                _takenBytes += length;
                if (!_ended && (_takenItems >= Math.Max(1, WindowItems / 2) || _takenBytes >= Math.Max(1, WindowBytes / 2)))
                {
                    grantItems = _takenItems;
                    grantBytes = _takenBytes;
                    _creditItems += _takenItems;
                    _creditBytes += _takenBytes;
                    _takenItems = 0;
                    _takenBytes = 0;
                }

                return true;
            }

            if (_ended)
            {
                error = _error;
                return false;
            }

            _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting = _waiter.Task;
            return false;
        }
    }

    /// <summary>Ends the stream for the consumer and returns the items it did not take.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _ended = true;
            while (_items.TryDequeue(out var item))
            {
                item.Dispose();
            }

            _bufferedBytes = 0;
        }
    }
}
