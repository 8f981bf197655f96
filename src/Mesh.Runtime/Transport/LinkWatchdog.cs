namespace Mesh.Transport;

/// <summary>
/// Rescues work that a blocked thread holds up, on the open links of the process, every <see cref="Period"/>:
/// frames whose send a batch has held longer than <see cref="HeldLimitMilliseconds"/> (the batch's thread is
/// blocked, for example in sync-over-async code waiting for the answer to the very frame it holds) are sent,
/// and items queued behind a long-running item get another drainer (see <see cref="BatchDispatcher{TItem}"/>).
/// Each tick also runs the links' heartbeats when due (<see cref="Connection.TickHeartbeat"/>), so idle links need no
/// timer of their own. One thread for the process, running only while a link is open. It is a thread of its own,
/// not a timer, because the work it rescues is blocked pool threads: when code blocks all of them, timer callbacks
/// wait for the pool to add a thread (about one a second), and this must not.
/// <para>
/// Only active links are visited every tick. A link with nothing queued, nothing in flight and nothing but heartbeats
/// read for <see cref="QuietAfterTicks"/> ticks goes quiet (<see cref="Connection.TryGoQuiet"/>): it is visited only when
/// its heartbeat is due, so a process's idle links cost nothing between heartbeats, however many there are. The
/// next frame other than a heartbeat that the link queues or reads wakes it (<see cref="Wake"/>) back to the active
/// links; its heartbeats leave it quiet.
/// </para>
/// </summary>
internal static class LinkWatchdog
{
    /// <summary>How often the active links are checked.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a batch may hold a link's frames before a tick sends them.</summary>
    public const long HeldLimitMilliseconds = 5;

    /// <summary>How many ticks in a row (100 ms) a link must have had nothing to do before it goes quiet.</summary>
    public const int QuietAfterTicks = 10;

    /// <summary><see cref="Connection.WatchState"/>: not in the watchdog's lists.</summary>
    public const int Unwatched = 0;

    /// <summary><see cref="Connection.WatchState"/>: visited every tick.</summary>
    public const int ActiveState = 1;

    /// <summary><see cref="Connection.WatchState"/>: visited when its heartbeat is due.</summary>
    public const int QuietState = 2;

    private static readonly Lock Gate = new();

    // Links added, woken from quiet, or removed since the last tick; the watchdog thread sorts them out.
    private static readonly System.Collections.Concurrent.ConcurrentQueue<Connection> Changed = new();

    // Owned by the watchdog thread (and cleared under Gate when it ends).
    private static readonly List<Connection> Active = [];
    private static readonly HashSet<Connection> Quiet = new(ReferenceEqualityComparer.Instance);
    private static long _nextQuietScan = long.MaxValue;

    private static int _open;
    private static Thread? _thread;

    /// <summary>Starts watching <paramref name="link"/> (from its start until <see cref="Remove"/>), as an active link.</summary>
    public static void Add(Connection link)
    {
        lock (Gate)
        {
            _open++;
            Changed.Enqueue(link);
            if (_thread is null)
            {
                // The thread must not carry the async-locals of whichever call opened the first link.
                using (ExecutionContext.SuppressFlow())
                {
                    _thread = new Thread(Run) { IsBackground = true, Name = "Mesh link watchdog" };
                    _thread.Start();
                }
            }
        }
    }

    /// <summary>Stops watching <paramref name="link"/>; the thread ends after the last link.</summary>
    public static void Remove(Connection link)
    {
        if (!link.StopWatching())
        {
            return;
        }

        lock (Gate)
        {
            _open--;
            Changed.Enqueue(link);
        }
    }

    /// <summary>A quiet link queued or read a frame: from the next tick it is visited every tick again.</summary>
    public static void Wake(Connection link) => Changed.Enqueue(link);

    private static void Run()
    {
        var periodMs = (long)Period.TotalMilliseconds;
        var lastTick = Environment.TickCount64;
        while (true)
        {
            Thread.Sleep(Period);
            lock (Gate)
            {
                if (_open == 0)
                {
                    // The next link to open starts a new thread (under this lock, so none is missed).
                    foreach (var link in Active)
                    {
                        link.WatchState = Unwatched;
                    }

                    foreach (var link in Quiet)
                    {
                        link.WatchState = Unwatched;
                    }

                    Active.Clear();
                    Quiet.Clear();
                    Changed.Clear();
                    _nextQuietScan = long.MaxValue;
                    _thread = null;
                    return;
                }
            }

            // This thread's own lateness is the process's lag too (a frozen or starved process: SIGSTOP, a long GC pause,
            // no CPU), and it must count before this tick judges any link: after a freeze longer than the heartbeat
            // timeout, the peers' frames wait unread in the socket, and the links are not dead.
            var now = Environment.TickCount64;
            LocalLag.Shared.Record(lastTick + periodMs, now);
            lastTick = now;
            Tick(now);
        }
    }

    private static void Tick(long now)
    {
        while (Changed.TryDequeue(out var link))
        {
            if (!link.IsWatched)
            {
                if (link.WatchState == QuietState)
                {
                    Quiet.Remove(link);
                }

                // An active entry of a removed link drops out of the scan below.
                continue;
            }

            if (link.WatchState != ActiveState)
            {
                if (link.WatchState == QuietState)
                {
                    Quiet.Remove(link);
                }

                link.WatchState = ActiveState;
                Active.Add(link);
            }
        }

        for (var i = Active.Count - 1; i >= 0; i--)
        {
            var link = Active[i];
            if (link.WatchState != ActiveState || !link.IsWatched)
            {
                RemoveAt(i);
                if (link.WatchState == ActiveState)
                {
                    link.WatchState = Unwatched;
                }

                continue;
            }

            link.RescueBlockedWork(now);
            link.TickHeartbeat(now);
            if (link.TryGoQuiet())
            {
                RemoveAt(i);
                link.WatchState = QuietState;
                Quiet.Add(link);
                _nextQuietScan = Math.Min(_nextQuietScan, link.NextHeartbeat);
            }
        }

        if (now >= _nextQuietScan)
        {
            // Every link's heartbeat falls on the same instants (Heartbeat.NextTick): one pass serves them all.
            var next = long.MaxValue;
            foreach (var link in Quiet)
            {
                link.TickHeartbeat(now);
                next = Math.Min(next, link.NextHeartbeat);
            }

            _nextQuietScan = next;
        }
    }

    private static void RemoveAt(int index)
    {
        var last = Active.Count - 1;
        Active[index] = Active[last];
        Active.RemoveAt(last);
    }
}
