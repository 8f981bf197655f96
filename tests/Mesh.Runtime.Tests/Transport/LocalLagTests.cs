using Mesh.Transport;

namespace Mesh.Runtime.Tests.Transport;

public sealed class LocalLagTests
{
    [Fact]
    public void RecentMilliseconds_TimersOnTime_NoLag()
    {
        var lag = new LocalLag();

        for (long t = 0; t < 5_000; t += 200)
        {
            lag.Record(dueMs: t, nowMs: t);
        }

        Assert.Equal(0, lag.RecentMilliseconds(5_000));
    }

    [Fact]
    public void RecentMilliseconds_ProcessStalled_WorstLagCountsForTheMemoryWindowThenFades()
    {
        var lag = new LocalLag();
        lag.Record(dueMs: 1_000, nowMs: 1_050);
        // A 3 s freeze: the timer due at 1.2 s runs at 4.2 s.
        lag.Record(dueMs: 1_200, nowMs: 4_200);
        lag.Record(dueMs: 4_400, nowMs: 4_400);

        Assert.Equal(3_000, lag.RecentMilliseconds(4_400));
        Assert.Equal(3_000, lag.RecentMilliseconds(4_200 + (long)LocalLag.Memory.TotalMilliseconds - 1_000));
        Assert.Equal(0, lag.RecentMilliseconds(4_200 + (long)LocalLag.Memory.TotalMilliseconds + 1_000));
    }

    [Fact]
    public void RecentMilliseconds_TimerEarly_CountsAsNoLag()
    {
        var lag = new LocalLag();

        lag.Record(dueMs: 1_000, nowMs: 990);

        Assert.Equal(0, lag.RecentMilliseconds(1_000));
    }
}
