using Mesh.Load;
using Mesh.Runtime.Tests.TestServices;

namespace Mesh.Runtime.Tests.Load;

public sealed class NodeLoadMonitorTests
{
    [Fact]
    public void Take_AfterCallsQueueStartAndEnd_ReportsCountsServiceTimeAndSequence()
    {
        var time = new ManualTime();
        var monitor = new NodeLoadMonitor(time, new FixedProcess(), TimeSpan.FromMilliseconds(500)) { ConcurrencyLimit = 64 };
        monitor.OnQueued();
        monitor.OnQueued();
        monitor.OnQueued();
        var started = monitor.OnStarted();
        time.Advance(TimeSpan.FromMilliseconds(8));
        monitor.OnEnded(started);
        monitor.OnStarted();

        var first = monitor.Take(LoadReportFields.None);
        var full = monitor.Take(LoadReportFields.All);

        Assert.Equal(1, first.InFlight);
        Assert.Equal(1, first.Queued);
        Assert.Equal(8000, first.ServiceTimeMicros);
        Assert.Equal((ushort)(first.Sequence + 1), full.Sequence);
        Assert.Equal(64, full.ConcurrencyLimit);
        Assert.Equal(37, full.CpuPercent);
        Assert.Equal(5, full.ThreadPoolQueue);
        Assert.Equal(0, first.CpuPercent);
        Assert.Equal((uint)time.GetUtcNow().ToUnixTimeMilliseconds(), full.TakenAtMs);
    }

    [Fact]
    public void OnEnded_SlowerCallsOverTime_ServiceTimeMovesTowardThemByTimeConstant()
    {
        var time = new ManualTime();
        var monitor = new NodeLoadMonitor(time, new FixedProcess(), TimeSpan.FromMilliseconds(500));
        Call(monitor, time, 10);

        time.Advance(TimeSpan.FromMilliseconds(490));
        Call(monitor, time, 10 + 0);
        var afterShortGap = monitor.ServiceTimeMicros;
        time.Advance(TimeSpan.FromSeconds(5));
        Call(monitor, time, 50);

        Assert.Equal(10_000, afterShortGap, 1);
        Assert.InRange(monitor.ServiceTimeMicros, 49_000, 50_000);
    }

    [Fact]
    public void BeginDrain_ReportsDraining()
    {
        var monitor = new NodeLoadMonitor(new ManualTime(), new FixedProcess(), TimeSpan.FromSeconds(1));

        monitor.BeginDrain();

        Assert.True(monitor.Take(LoadReportFields.None).IsDraining);
    }

    private static void Call(NodeLoadMonitor monitor, ManualTime time, int ms)
    {
        monitor.OnQueued();
        var started = monitor.OnStarted();
        time.Advance(TimeSpan.FromMilliseconds(ms));
        monitor.OnEnded(started);
    }

    private sealed class FixedProcess : IProcessLoadSource
    {
        public int ThreadPoolQueueLength => 5;

        public int SampleCpuPercent() => 37;
    }
}
