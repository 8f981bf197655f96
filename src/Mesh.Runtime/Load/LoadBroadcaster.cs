using Mesh.Transport;

namespace Mesh.Load;

/// <summary>
/// Sends this node's full load report on its serving links so idle callers stay informed: every interval the report
/// is taken, and <see cref="LoadReportSchedule{TLink}"/> sends it on every link when it changed meaningfully, otherwise
/// only where the last one has grown old (<see cref="MaxAgeIntervals"/> intervals) or none was sent yet.
/// </summary>
internal static class LoadBroadcaster
{
    /// <summary>An unchanged report is repeated on a link after this many intervals (5 s at the default 250 ms).</summary>
    public const int MaxAgeIntervals = 20;

    /// <summary>Runs until <paramref name="stopping"/> fires; <paramref name="links"/> lists the links to send on at each tick.</summary>
    public static async Task RunAsync(
        NodeLoadMonitor monitor,
        Func<IReadOnlyList<Connection>> links,
        TimeSpan interval,
        TimeProvider time,
        CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(interval, time);
        var frame = new byte[LoadReportFrames.MaxBroadcastFrameSize];
        var schedule = new LoadReportSchedule<Connection>((long)(interval.TotalSeconds * MaxAgeIntervals * time.TimestampFrequency));
        var due = new List<Connection>();
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                var targets = links();
                if (targets.Count == 0)
                {
                    continue;
                }

                var report = monitor.Take(LoadReportFields.All);
                due.Clear();
                schedule.Select(report, targets, time.GetTimestamp(), due);
                if (due.Count == 0)
                {
                    continue;
                }

                var length = LoadReportFrames.WriteBroadcast(report, frame);
                foreach (var link in due)
                {
                    link.TrySendUpkeep(frame.AsSpan(0, length));
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
