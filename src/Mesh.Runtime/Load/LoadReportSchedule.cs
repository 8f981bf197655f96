namespace Mesh.Load;

/// <summary>
/// Which links get this tick's load report: every link when the report says something new (see
/// <see cref="IsWorthSending"/>), otherwise only the links whose last report is <c>maxAge</c> old and the links that
/// have had none yet. So an idle node's links carry a report every <c>maxAge</c>, not every tick. Not thread-safe:
/// one broadcaster owns it.
/// </summary>
/// <typeparam name="TLink">The link type (compared by reference).</typeparam>
internal sealed class LoadReportSchedule<TLink>
    where TLink : class
{
    /// <summary>Process CPU (percent of the machine) must move this much from the last report sent to everyone to count as a change.</summary>
    public const int CpuStep = 10;

    /// <summary>
    /// Work items waiting in the thread pool from which it counts as backlogged. A few waiting for a moment is how an
    /// idle pool looks when timers fire together (every node of a process broadcasting on the same tick); counting those
    /// sent every idle link a report every tick or two.
    /// </summary>
    public const int ThreadPoolBacklog = 16;

    /// <summary>The smoothed service time must move by this share to count as a change.</summary>
    public const double ServiceTimeStep = 0.25;

    private readonly long _maxAge;
    private Dictionary<TLink, long> _sentAt = new(ReferenceEqualityComparer.Instance);
    private Dictionary<TLink, long> _next = new(ReferenceEqualityComparer.Instance);
    private LoadReport? _lastBroadcast;

    /// <param name="maxAge">Longest a link goes without a report, in timestamp ticks.</param>
    public LoadReportSchedule(long maxAge)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxAge);
        _maxAge = maxAge;
    }

    /// <summary>Adds to <paramref name="due"/> the links of <paramref name="links"/> that get <paramref name="report"/> at <paramref name="now"/>, and records that they did.</summary>
    public void Select(in LoadReport report, IReadOnlyList<TLink> links, long now, List<TLink> due)
    {
        var everyone = _lastBroadcast is not { } last || IsWorthSending(last, report);
        if (everyone)
        {
            _lastBroadcast = report;
        }

        _next.Clear();
        foreach (var link in links)
        {
            if (everyone || !_sentAt.TryGetValue(link, out var sentAt) || now - sentAt >= _maxAge)
            {
                due.Add(link);
                _next[link] = now;
            }
            else
            {
                _next[link] = sentAt;
            }
        }

        // Links that closed drop out here.
        (_sentAt, _next) = (_next, _sentAt);
    }

    /// <summary>
    /// Whether <paramref name="current"/> tells a caller something <paramref name="last"/> (the last report every link
    /// got) did not: a different number of calls held, any calls held at all (receivers discount a report by its age,
    /// so a loaded node keeps its report fresh), draining, another concurrency limit, CPU moved by
    /// <see cref="CpuStep"/> points, the thread pool became or stopped being backlogged (<see cref="ThreadPoolBacklog"/>),
    /// or the service time moved by
    /// <see cref="ServiceTimeStep"/>.
    /// </summary>
    public static bool IsWorthSending(in LoadReport last, in LoadReport current)
        => current.Load != last.Load
            || current.Load > 0
            || current.IsDraining != last.IsDraining
            || current.ConcurrencyLimit != last.ConcurrencyLimit
            || Math.Abs(current.CpuPercent - last.CpuPercent) >= CpuStep
            || (current.ThreadPoolQueue >= ThreadPoolBacklog) != (last.ThreadPoolQueue >= ThreadPoolBacklog)
            || Math.Abs(current.ServiceTimeMicros - last.ServiceTimeMicros) > ServiceTimeStep * Math.Max(last.ServiceTimeMicros, 1);
}
