namespace Mesh.Transport;

/// <summary>
/// Rescues work that a blocked thread holds up, on every open link of the process, every <see cref="Period"/>:
/// frames whose send a batch has held longer than <see cref="HeldLimitMilliseconds"/> (the batch's thread is
/// blocked, for example in sync-over-async code waiting for the answer to the very frame it holds) are sent,
/// and items queued behind a long-running item get another drainer (see <see cref="BatchDispatcher{TItem}"/>).
/// Each tick also runs the links' heartbeats when due (<see cref="Connection.TickHeartbeat"/>), so idle links need no
/// timer of their own. One thread for the process, running only while a link is open; a tick costs a few reads per link. It is a
/// thread of its own, not a timer, because the work it rescues is blocked pool threads: when code blocks all
/// of them, timer callbacks wait for the pool to add a thread (about one a second), and this must not.
/// </summary>
internal static class LinkWatchdog
{
    /// <summary>How often the open links are checked.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);

    /// <summary>How long a batch may hold a link's frames before a tick sends them.</summary>
    public const long HeldLimitMilliseconds = 5;

    private static readonly Lock Gate = new();
    private static readonly HashSet<Connection> Links = [];
    private static Connection[] _snapshot = [];
    private static Thread? _thread;

    /// <summary>Starts watching <paramref name="link"/> (from its start until <see cref="Remove"/>).</summary>
    public static void Add(Connection link)
    {
        lock (Gate)
        {
            if (!Links.Add(link))
            {
                return;
            }

            _snapshot = [.. Links];
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
        lock (Gate)
        {
            if (!Links.Remove(link))
            {
                return;
            }

            _snapshot = [.. Links];
        }
    }

    private static void Run()
    {
        while (true)
        {
            Thread.Sleep(Period);
            lock (Gate)
            {
                if (Links.Count == 0)
                {
                    // The next link to open starts a new thread (under this lock, so none is missed).
                    _thread = null;
                    return;
                }
            }

            var now = Environment.TickCount64;
            foreach (var link in Volatile.Read(ref _snapshot))
            {
                link.RescueBlockedWork();
                link.TickHeartbeat(now);
            }
        }
    }
}
