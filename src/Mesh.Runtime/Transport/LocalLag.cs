namespace Mesh.Transport;

/// <summary>
/// How late this process runs its own timers: the lag a starved process (CPU, thread pool, GC) adds to everything it
/// waits for. Timeouts that would blame a peer (heartbeat, handshake) first add the worst lag measured over the last
/// <see cref="Memory"/>, so a node that was itself frozen does not tear down links to healthy peers and then flood them
/// with reconnects. One probe per process (<see cref="Shared"/>): a timer every <see cref="Period"/> notes how much
/// later than due it ran (thread-pool starvation shows there), and so does the link watchdog's thread at each of its
/// ticks, before it judges any link (a frozen process shows there first).
/// </summary>
internal sealed class LocalLag
{
    /// <summary>How often the shared probe's timer is due.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a measured lag keeps counting.</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromSeconds(10);

    private const long BucketMilliseconds = 1000;

    private static readonly Lazy<LocalLag> LazyShared = new(StartShared);

    private readonly Lock _gate = new();
    private readonly long[] _bucketIds;
    private readonly long[] _bucketMax;
    private Timer? _timer;
    private long _lastTick;

    public LocalLag()
    {
        var buckets = (int)(Memory.TotalMilliseconds / BucketMilliseconds);
        _bucketIds = new long[buckets];
        _bucketMax = new long[buckets];
        Array.Fill(_bucketIds, long.MinValue);
    }

    /// <summary>The process's probe, started on first use.</summary>
    public static LocalLag Shared => LazyShared.Value;

    /// <summary>Records that a timer due at <paramref name="dueMs"/> ran at <paramref name="nowMs"/> (milliseconds of one clock).</summary>
    public void Record(long dueMs, long nowMs)
    {
        var lag = Math.Max(0, nowMs - dueMs);
        var bucket = nowMs / BucketMilliseconds;
        var slot = (int)(bucket % _bucketIds.Length);
        lock (_gate)
        {
            if (_bucketIds[slot] != bucket)
            {
                _bucketIds[slot] = bucket;
                _bucketMax[slot] = 0;
            }

            _bucketMax[slot] = Math.Max(_bucketMax[slot], lag);
        }
    }

    /// <summary>The worst lag, in milliseconds, recorded within <see cref="Memory"/> before <paramref name="nowMs"/>.</summary>
    public long RecentMilliseconds(long nowMs)
    {
        var oldest = (nowMs / BucketMilliseconds) - _bucketIds.Length + 1;
        long worst = 0;
        lock (_gate)
        {
            for (var i = 0; i < _bucketIds.Length; i++)
            {
                if (_bucketIds[i] >= oldest)
                {
                    worst = Math.Max(worst, _bucketMax[i]);
                }
            }
        }

        return worst;
    }

    /// <summary>The worst recent lag of the shared probe, now.</summary>
    public static TimeSpan Recent => TimeSpan.FromMilliseconds(Shared.RecentMilliseconds(Environment.TickCount64));

    private static LocalLag StartShared()
    {
        var probe = new LocalLag { _lastTick = Environment.TickCount64 };
        var period = (long)Period.TotalMilliseconds;
        using (ExecutionContext.SuppressFlow())
        {
            // Runs on the thread pool like the work it speaks for, so pool starvation shows as lag too.
            probe._timer = new Timer(static state => ((LocalLag)state!).Tick(), probe, period, period);
        }

        return probe;
    }

    private void Tick()
    {
        var now = Environment.TickCount64;
        var due = Volatile.Read(ref _lastTick) + (long)Period.TotalMilliseconds;
        Volatile.Write(ref _lastTick, now);
        Record(due, now);
    }
}
