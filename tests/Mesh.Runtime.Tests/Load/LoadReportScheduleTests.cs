using Mesh.Load;

namespace Mesh.Runtime.Tests.Load;

/// <summary>Load reports go out when they change meaningfully or grow old, not on every tick for every link.</summary>
public sealed class LoadReportScheduleTests
{
    private const long MaxAge = 5_000;

    private static LoadReport Idle(ushort sequence, int cpu = 2) => new(sequence, 0, 0, 0, 900, false, LoadReportFields.All, 4096, cpu, 0);

    private static List<string> Select(LoadReportSchedule<string> schedule, LoadReport report, long now, params string[] links)
    {
        var due = new List<string>();
        schedule.Select(report, links, now, due);
        return due;
    }

    [Fact]
    public void Select_FirstReport_SendsOnEveryLink()
    {
        var schedule = new LoadReportSchedule<string>(MaxAge);

        Assert.Equal(["a", "b"], Select(schedule, Idle(1), 0, "a", "b"));
    }

    [Fact]
    public void Select_IdleReportUnchanged_SendsNothingUntilItGrowsOld()
    {
        var schedule = new LoadReportSchedule<string>(MaxAge);
        Select(schedule, Idle(1), 0, "a", "b");

        Assert.Empty(Select(schedule, Idle(2, cpu: 3), 250, "a", "b"));
        Assert.Empty(Select(schedule, Idle(3, cpu: 1), MaxAge - 1, "a", "b"));
        Assert.Equal(["a", "b"], Select(schedule, Idle(4), MaxAge, "a", "b"));
        Assert.Empty(Select(schedule, Idle(5), MaxAge + 250, "a", "b"));
    }

    [Fact]
    public void Select_LoadChanged_SendsOnEveryLinkAtOnce()
    {
        var schedule = new LoadReportSchedule<string>(MaxAge);
        Select(schedule, Idle(1), 0, "a", "b");

        var busy = Idle(2) with { InFlight = 3 };

        Assert.Equal(["a", "b"], Select(schedule, busy, 250, "a", "b"));
    }

    [Fact]
    public void Select_NodeHoldsCalls_SendsEveryTickSoReportsStayFresh()
    {
        var schedule = new LoadReportSchedule<string>(MaxAge);
        Select(schedule, Idle(1) with { Queued = 2 }, 0, "a");

        Assert.Equal(["a"], Select(schedule, Idle(2) with { Queued = 2 }, 250, "a"));
    }

    [Fact]
    public void Select_LinkAddedWhileUnchanged_OnlyTheNewLinkGetsTheReport()
    {
        var schedule = new LoadReportSchedule<string>(MaxAge);
        Select(schedule, Idle(1), 0, "a");

        Assert.Equal(["b"], Select(schedule, Idle(2), 250, "a", "b"));
    }

    [Fact]
    public void Select_LinkGoneAndBack_CountsAsNew()
    {
        var schedule = new LoadReportSchedule<string>(MaxAge);
        Select(schedule, Idle(1), 0, "a", "b");
        Select(schedule, Idle(2), 250, "a");

        Assert.Equal(["b"], Select(schedule, Idle(3), 500, "a", "b"));
    }

    [Theory]
    [InlineData(0, 0, 900, 0, false, false)]
    [InlineData(9, 0, 900, 0, false, false)]
    [InlineData(10, 0, 900, 0, false, true)]
    [InlineData(0, 1, 900, 0, false, true)]
    [InlineData(0, 0, 1200, 0, false, true)]
    [InlineData(0, 0, 1100, 0, false, false)]
    [InlineData(0, 0, 900, 5, false, false)]
    [InlineData(0, 0, 900, 16, false, true)]
    [InlineData(0, 0, 900, 0, true, true)]
    public void IsWorthSending_ComparedWithIdleReport_OnlyMeaningfulChangesCount(int cpuDelta, int inFlight, int serviceMicros, int threadPoolQueue, bool draining, bool expected)
    {
        var last = Idle(1);
        var current = new LoadReport(2, 0, inFlight, 0, serviceMicros, draining, LoadReportFields.All, 4096, last.CpuPercent + cpuDelta, threadPoolQueue);

        Assert.Equal(expected, LoadReportSchedule<string>.IsWorthSending(last, current));
    }
}
