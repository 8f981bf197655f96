using System.Diagnostics;

namespace Mesh.Transport;

/// <summary>One unit of work a link's receive loop hands to its <see cref="BatchDispatcher{TItem}"/>.</summary>
internal interface IBatchItem
{
    /// <summary>Runs the item. Must not throw: an item reports its own failures.</summary>
    void Run();
}

/// <summary>
/// Runs what a link's receive loop produces — requests to serve, answers to hand to their callers — in batches:
/// the receive loop itself drains what a read queued (<see cref="RunHere"/>), or one thread-pool work item does
/// (<see cref="Schedule"/>), instead of one work item (and often one thread wake-up) per frame. Frames the items
/// send are held until the batch ends or has run for <see cref="FlushAfter"/> (see <see cref="SendBatching"/>), so a
/// receive of many requests is answered by one write, and a receive of many answers, whose callers each send
/// their next call, is followed by one write of those calls.
/// </summary>
/// <remarks>
/// Items run in arrival order on one thread while they are quick. An item that runs longer than
/// <see cref="SplitAfter"/> (a handler computing or blocking before its first await) does not hold the rest:
/// what the batch queued to send goes out, and another thread takes the remaining items, up to one drainer
/// per processor. The receive loop (after each read) and <see cref="LinkWatchdog"/> (every few milliseconds)
/// also add a drainer when the running ones have finished nothing for that long, so items queued behind one
/// that blocks its thread start within a watchdog period, even past one drainer per processor. Bounded: the
/// queue holds only frames already received on a link whose calls in flight are capped.
/// </remarks>
internal sealed class BatchDispatcher<TItem> : IThreadPoolWorkItem
    where TItem : struct, IBatchItem
{
    /// <summary>How long one item may run before the rest of its batch moves to another thread.</summary>
    internal static readonly TimeSpan SplitAfter = TimeSpan.FromMicroseconds(200);

    /// <summary>
    /// How long a batch runs before it sends what it has queued so far. Early answers do not wait for the batch's end, and
    /// the peer starts on them while this side works on the rest: both ends of a busy link work at once instead of in turn
    /// (at 256 calls in flight on 2 cores this alone took throughput from about 500k to about 700k calls/s, against a flush
    /// every 256 items).
    /// </summary>
    internal static readonly TimeSpan FlushAfter = TimeSpan.FromMicroseconds(100);

    private static readonly long SplitAfterTicks = (long)(SplitAfter.TotalSeconds * Stopwatch.Frequency);
    private static readonly long FlushAfterTicks = (long)(FlushAfter.TotalSeconds * Stopwatch.Frequency);
    private readonly ItemQueue<TItem> _queue = new();
    private readonly int _maxDrainers = Math.Max(1, Environment.ProcessorCount);
    private int _drainers;
    private long _progressAt;

    /// <summary>Queues one item; it runs after the next <see cref="Schedule"/>, or sooner on a drainer already running.</summary>
    public void Enqueue(TItem item) => _queue.Enqueue(item);

    /// <summary>Whether nothing is queued and no drainer runs.</summary>
    public bool IsIdle => _queue.IsEmpty && Volatile.Read(ref _drainers) == 0;

    /// <summary>Gives the queue's slots back while it is empty (the link went quiet).</summary>
    public void Trim() => _queue.Trim();

    /// <summary>Makes sure a drainer will run what is queued, on the thread pool.</summary>
    public void Schedule()
    {
        if (TryClaimDrainer())
        {
            // Local: the receive loop's thread runs it once the loop awaits its next read.
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    /// <summary>
    /// Runs what is queued on this thread — the receive loop's, after a read — unless a drainer already runs it.
    /// No thread-pool hop and no other thread woken: what a read brought in is served (or handed to its callers)
    /// right there, and what that queues to send leaves in one write when the batch ends. An item that runs longer
    /// than <see cref="SplitAfter"/> hands the rest to a pool thread and ends this drain, so the loop goes back to
    /// reading; an item that blocks is the receive loop's watchdog's business (see <see cref="Connection"/>).
    /// </summary>
    public void RunHere()
    {
        if (TryClaimDrainer())
        {
            Drain(inline: true);
        }
    }

    private bool TryClaimDrainer()
    {
        // Pairs with the drainer's exit: it leaves, then looks at the queue; this queues, then looks at the drainers.
        Interlocked.MemoryBarrier();
        if (_queue.IsEmpty)
        {
            return false;
        }

        if (Volatile.Read(ref _drainers) == 0)
        {
            if (!TryEnter())
            {
                return false;
            }
        }
        else if (Stopwatch.GetTimestamp() - Volatile.Read(ref _progressAt) <= SplitAfterTicks)
        {
            return false;
        }
        else
        {
            // The running drainers are all inside items that have finished nothing for a while: blocked
            // (waiting, perhaps, for an answer queued here) or computing. Add one even past the processor
            // count: each drainer takes an item off the queue, so there are never more than the link's calls
            // in flight.
            Interlocked.Increment(ref _drainers);
        }

        Volatile.Write(ref _progressAt, Stopwatch.GetTimestamp());
        return true;
    }

    void IThreadPoolWorkItem.Execute() => Drain(inline: false);

    private void Drain(bool inline)
    {
        var scope = SendBatching.Begin();
        try
        {
            // One clock read per item: an item starts when the previous one ended.
            var started = Stopwatch.GetTimestamp();
            Volatile.Write(ref _progressAt, started);
            var flushed = started;
            while (true)
            {
                while (_queue.TryDequeue(out var item))
                {
                    item.Run();
                    var ended = Stopwatch.GetTimestamp();
                    if (ended - flushed > FlushAfterTicks)
                    {
                        SendBatching.Flush();
                        flushed = ended;
                    }

                    Volatile.Write(ref _progressAt, ended);
                    var took = ended - started;
                    started = ended;
                    if (took > SplitAfterTicks)
                    {
                        // A long item: send what the batch queued so far, and share the rest with another thread.
                        SendBatching.Flush();
                        if (!_queue.IsEmpty)
                        {
                            TryAddDrainer();
                        }

                        if (inline)
                        {
                            // The receive loop goes back to reading; a pool thread (added above, or one running) takes the rest.
                            Interlocked.Decrement(ref _drainers);
                            if (!_queue.IsEmpty)
                            {
                                Schedule();
                            }

                            return;
                        }
                    }
                }

                Interlocked.Decrement(ref _drainers);
                if (_queue.IsEmpty || !TryEnter())
                {
                    return;
                }
            }
        }
        finally
        {
            SendBatching.End(scope);
        }
    }

    private void TryAddDrainer()
    {
        if (TryEnter())
        {
            Volatile.Write(ref _progressAt, Stopwatch.GetTimestamp());
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private bool TryEnter()
    {
        // Up to one drainer per processor while items keep finishing.
        while (true)
        {
            var drainers = Volatile.Read(ref _drainers);
            if (drainers >= _maxDrainers)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _drainers, drainers + 1, drainers) == drainers)
            {
                return true;
            }
        }
    }
}
