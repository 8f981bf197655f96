namespace Mesh.Transport;

/// <summary>
/// Batches outgoing frames: callers copy whole frames into the pending buffer under a short lock (no I/O
/// under it); one send loop swaps buffers and writes everything queued since the last send in one call.
/// Waking the send loop allocates nothing; inside a batch of work the wake-up waits for the batch's end
/// (<see cref="SendBatching"/>), so the batch's frames leave together. An idle link holds no buffer: both are rented
/// on the first frame and returned by <see cref="TrimIfIdle"/> (the link's heartbeat tick) once nothing is queued;
/// the heartbeat that follows rents a few hundred bytes, not a busy link's size.
/// </summary>
internal sealed class FrameSender : IDisposable
{
    // Small: an idle link's heartbeat rents only this much; a busy link's buffers double from here once and keep
    // their size until the link is idle again.
    private const int InitialBufferSize = 256;
    private const int ShrinkAbove = 1024 * 1024;
    private readonly Lock _gate = new();
    private readonly SendSignal _signal = new();
    private PooledBufferWriter _pending = new(InitialBufferSize, rentNow: false);
    private PooledBufferWriter _sending = new(InitialBufferSize, rentNow: false);
    private bool _signaled;
    private bool _writing;
    private bool _completed;
    private long _heldAt;
    private long _queued;

    /// <summary>
    /// Bytes queued and not yet written to the socket, the batch being written included: what a peer that does not
    /// read makes this link hold. Read without a lock.
    /// </summary>
    public long QueuedBytes => Volatile.Read(ref _queued);


    /// <summary>Bytes queued but not yet handed to the socket.</summary>
    public int PendingBytes
    {
        get
        {
            lock (_gate)
            {
                return _pending.WrittenCount;
            }
        }
    }

    /// <summary>Whether either buffer is rented (false on a link idle since its last <see cref="TrimIfIdle"/>).</summary>
    public bool HoldsBuffers
    {
        get
        {
            lock (_gate)
            {
                return _pending.HoldsBuffer || _sending.HoldsBuffer;
            }
        }
    }

    /// <summary>
    /// Returns both buffers to the pool when nothing is queued or being written; the next frame rents again.
    /// Returns whether it did. Called once per heartbeat tick, so a busy link keeps its buffers.
    /// </summary>
    public bool TrimIfIdle()
    {
        lock (_gate)
        {
            if (_writing || _signaled || _pending.WrittenCount > 0 || !(_pending.HoldsBuffer || _sending.HoldsBuffer))
            {
                return false;
            }

            _pending.Release();
            _sending.Release();
            return true;
        }
    }

    /// <summary>
    /// Queues one complete frame; false once the sender has completed (the link is closing). <paramref name="woke"/>
    /// says whether this frame ended the link's quiet time (<paramref name="quiet"/> was 1, see <see cref="TryMarkQuiet"/>).
    /// </summary>
    public bool TryEnqueue(ReadOnlySpan<byte> frame, ref int quiet, out bool woke)
    {
        bool signal;
        lock (_gate)
        {
            if (_completed)
            {
                woke = false;
                return false;
            }

            _pending.Write(frame);
            Volatile.Write(ref _queued, _queued + frame.Length);
            signal = !_signaled;
            _signaled = true;
            woke = Volatile.Read(ref quiet) != 0 && Interlocked.Exchange(ref quiet, 0) != 0;
        }

        if (signal)
        {
            if (SendBatching.TryHold(this))
            {
                Volatile.Write(ref _heldAt, Environment.TickCount64);
            }
            else
            {
                _signal.Set();
            }
        }

        return true;
    }

    /// <summary>
    /// Sets <paramref name="quiet"/> to 1 when nothing is queued, held or being written, and says whether it did.
    /// Under the same lock as <see cref="TryEnqueue"/>, so a frame queued at the same moment either stops this or
    /// finds the flag set and reports that it woke the link.
    /// </summary>
    public bool TryMarkQuiet(ref int quiet)
    {
        lock (_gate)
        {
            if (_completed || _writing || _signaled || _pending.WrittenCount > 0 || Volatile.Read(ref _heldAt) != 0)
            {
                return false;
            }

            Volatile.Write(ref quiet, 1);
            return true;
        }
    }

    /// <summary>Wakes the send loop whose wake-up <see cref="SendBatching"/> held until now.</summary>
    public void Release()
    {
        Volatile.Write(ref _heldAt, 0);
        _signal.Set();
    }

    /// <summary>
    /// Wakes the send loop if a batch has held its wake-up for at least <paramref name="milliseconds"/> (the
    /// batch's thread is stuck in an item) at <paramref name="now"/> (<see cref="Environment.TickCount64"/>); called by
    /// <see cref="LinkWatchdog"/>.
    /// </summary>
    public void ReleaseIfHeld(long milliseconds, long now)
    {
        var heldAt = Volatile.Read(ref _heldAt);
        if (heldAt != 0 && now - heldAt >= milliseconds)
        {
            Release();
        }
    }

    /// <summary>Stops accepting frames; the send loop writes what is queued, then ends.</summary>
    public void Complete()
    {
        bool signal;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            signal = !_signaled;
            _signaled = true;
        }

        if (signal)
        {
            _signal.Set();
        }
    }

    /// <summary>Writes queued frames to <paramref name="stream"/> until completed and drained, or cancelled.</summary>
    public async Task RunAsync(Stream stream, CancellationToken cancellationToken)
    {
        var drainWithoutWaiting = false;
        while (true)
        {
            if (!drainWithoutWaiting)
            {
                await _signal.WaitAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }

            PooledBufferWriter batch;
            bool completed;
            lock (_gate)
            {
                batch = _pending;
                _pending = _sending;
                _sending = batch;
                _signaled = false;
                completed = _completed;
                _writing = batch.WrittenCount > 0;
            }

            if (batch.WrittenCount > 0)
            {
                await stream.WriteAsync(batch.WrittenMemory, cancellationToken).ConfigureAwait(false);
                // A burst (or a peer that stopped reading) may have grown the buffer: give it back.
                var written = batch.WrittenCount;
                if (batch.Capacity > ShrinkAbove)
                {
                    batch.Shrink();
                }

                batch.Reset();
                lock (_gate)
                {
                    // Changed only under the lock (one per batch here), read without it.
                    Volatile.Write(ref _queued, _queued - written);
                    _writing = false;
                }
            }

            if (completed)
            {
                lock (_gate)
                {
                    if (_pending.WrittenCount == 0)
                    {
                        return;
                    }
                }

                drainWithoutWaiting = true;
            }
        }
    }

    /// <summary>Returns the buffers; call only after <see cref="RunAsync"/> has ended.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _completed = true;
            _pending.Dispose();
            _sending.Dispose();
        }

    }
}
