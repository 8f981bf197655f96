namespace Mesh.Load;

/// <summary>Reads this process's CPU time and the thread pool's backlog.</summary>
internal sealed class ProcessLoadSource(TimeProvider time) : IProcessLoadSource
{
    private readonly Lock _gate = new();
    private TimeSpan _lastCpu = Environment.CpuUsage.TotalTime;
    private long _lastSample = time.GetTimestamp();

    public int ThreadPoolQueueLength => (int)Math.Min(int.MaxValue, ThreadPool.PendingWorkItemCount);

    public int SampleCpuPercent()
    {
        lock (_gate)
        {
            var cpu = Environment.CpuUsage.TotalTime;
            var now = time.GetTimestamp();
            var wall = time.GetElapsedTime(_lastSample, now);
            var used = cpu - _lastCpu;
            _lastCpu = cpu;
            _lastSample = now;
            return wall <= TimeSpan.Zero
                ? 0
                : (int)Math.Clamp(Math.Round(100 * used / (wall * Environment.ProcessorCount)), 0, 100);
        }
    }
}
