using Mesh.Transport;

namespace Mesh.Load;

/// <summary>Sends this node's full load report on every serving link once per interval, so idle callers stay informed.</summary>
internal static class LoadBroadcaster
{
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
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                var targets = links();
                if (targets.Count == 0)
                {
                    continue;
                }

                var length = LoadReportFrames.WriteBroadcast(monitor.Take(LoadReportFields.All), frame);
                foreach (var link in targets)
                {
                    link.TrySend(frame.AsSpan(0, length));
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
