using Mesh.Balancing;
using Mesh.Load;
using Mesh.Runtime.Tests.TestServices;

namespace Mesh.Runtime.Tests.Balancing;

public sealed class PeerStatsTests
{
    private readonly ManualTime _time = new();

    [Fact]
    public void OnCompleted_SlowerSample_ReplacesEstimateAtOnceFasterOnesDecayIn()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        Complete(stats, 10);
        Complete(stats, 40);
        Assert.Equal(40, stats.LatencyMs(_time.GetTimestamp()), 3);

        Complete(stats, 10);

        Assert.InRange(stats.LatencyMs(_time.GetTimestamp()), 10.1, 39.9);
    }

    [Fact]
    public void LatencyMs_IdlePeer_DecaysTowardZero()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        Complete(stats, 50);

        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.True(stats.LatencyMs(_time.GetTimestamp()) < 1);
    }

    [Fact]
    public void Settle_AbandonedAfterLongerThanEstimate_RaisesEstimateWithoutCountingASample()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        Complete(stats, 10);
        var tracker = stats.Track();
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(tracker.Settle(PeerCallOutcome.Abandoned));

        Assert.Equal(1000, stats.LatencyMs(_time.GetTimestamp()), 3);
        Assert.Equal(1, stats.Samples);
        Assert.Equal(0, stats.Outstanding);
    }

    [Fact]
    public void Settle_AbandonedAgainAfterEstimateDecayed_RenewsEstimate()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        var first = stats.Track();
        _time.Advance(TimeSpan.FromSeconds(1));
        first.Settle(PeerCallOutcome.Abandoned);
        _time.Advance(TimeSpan.FromSeconds(3));
        var second = stats.Track();
        _time.Advance(TimeSpan.FromSeconds(1));

        second.Settle(PeerCallOutcome.Abandoned);

        // Without the renewal the estimate would be the first one decayed for 4 s (about 18 ms).
        Assert.Equal(1000, stats.LatencyMs(_time.GetTimestamp()), 3);
    }

    [Fact]
    public void Settle_AbandonedQuickly_LeavesEstimateAlone()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        Complete(stats, 10);
        var tracker = stats.Track();

        tracker.Settle(PeerCallOutcome.Abandoned);

        Assert.Equal(10, stats.LatencyMs(_time.GetTimestamp()), 3);
        var fresh = new PeerStats(BalancingSettings.Default, _time);
        fresh.Track().Settle(PeerCallOutcome.Abandoned);
        Assert.True(double.IsNaN(fresh.LatencyMs(_time.GetTimestamp())), "a call given up at once says nothing about an unmeasured peer");
    }

    [Fact]
    public void MeanLatencyMs_FirstAnswerLeftOutThenSlowSampleMovesMeanByATenthOnly()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        Complete(stats, 500);
        Assert.True(double.IsNaN(stats.MeanLatencyMs), "the first answer carries warm-up");
        for (var i = 0; i < 20; i++)
        {
            Complete(stats, 10);
        }

        Complete(stats, 110);

        Assert.Equal(20, stats.MeanLatencyMs, 3);
    }

    [Fact]
    public void OnReport_OlderSequence_IsIgnored()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        stats.OnReport(Report(sequence: 10, load: 7));

        stats.OnReport(Report(sequence: 9, load: 100));

        Assert.Equal(7, stats.ReportedLoad);
    }

    [Fact]
    public void ReportWeight_AgesOut_ZeroPastFourTimeConstants()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        stats.OnReport(Report(sequence: 1, load: 7));
        var now = _time.GetTimestamp();
        Assert.Equal(1, stats.ReportWeight(now), 3);

        _time.Advance(BalancingSettings.Default.LoadReportDecay);
        Assert.Equal(Math.Exp(-1), stats.ReportWeight(_time.GetTimestamp()), 3);

        _time.Advance(BalancingSettings.Default.LoadReportDecay * 3.1);
        Assert.Equal(0, stats.ReportWeight(_time.GetTimestamp()));
    }

    [Fact]
    public void OnReport_TakenLongAgoBySenderClock_CountsItsAge()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        var takenAt = (uint)_time.GetUtcNow().AddSeconds(-2).ToUnixTimeMilliseconds();

        stats.OnReport(new LoadReport(1, takenAt, 5, 0, 1000, false));

        Assert.Equal(2000, stats.ReportAgeMs(_time.GetTimestamp()), 1);
        Assert.Equal(0, stats.ReportWeight(_time.GetTimestamp()));
    }

    [Fact]
    public void SilentMs_OutstandingWithoutAnswers_GrowsAndResetsOnEveryEnd()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        Assert.Equal(0, stats.SilentMs(_time.GetTimestamp()));

        stats.OnSent();
        var first = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(30));
        stats.OnSent();
        _time.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(50, stats.SilentMs(_time.GetTimestamp()), 3);

        stats.OnCompleted(first);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(5, stats.SilentMs(_time.GetTimestamp()), 3);

        stats.OnAbandoned();
        Assert.Equal(0, stats.SilentMs(_time.GetTimestamp()));
    }

    [Fact]
    public void OnRefused_CountsInTheTotalAndTheDecayingPenalty()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        stats.OnSent();
        stats.OnSent();

        stats.OnRefused();
        stats.OnRefused();

        Assert.Equal(2, stats.RefusedTotal);
        Assert.Equal(0, stats.Outstanding);
        Assert.Equal(2, stats.Refusals(_time.GetTimestamp()), 3);
        _time.Advance(BalancingSettings.Default.RefusalDecay * 5);
        Assert.True(stats.Refusals(_time.GetTimestamp()) < 0.02);
        Assert.Equal(2, stats.RefusedTotal);
    }

    [Fact]
    public void SlowStartFactor_RampsFromATenthToOneOverTheWindow()
    {
        var stats = new PeerStats(BalancingSettings.Default with { SlowStartWindow = TimeSpan.FromSeconds(2) }, _time);

        Assert.Equal(0.1, stats.SlowStartFactor(_time.GetTimestamp()), 3);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0.5, stats.SlowStartFactor(_time.GetTimestamp()), 3);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, stats.SlowStartFactor(_time.GetTimestamp()));
    }

    [Fact]
    public void OnRefused_CountsAgainstPeerThenFades()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);
        stats.OnSent();

        stats.OnRefused();

        Assert.Equal(0, stats.Outstanding);
        Assert.Equal(1, stats.Refusals(_time.GetTimestamp()), 3);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(stats.Refusals(_time.GetTimestamp()) < 0.01);
    }

    [Fact]
    public void OnReport_Draining_MakesPeerUnavailable()
    {
        var stats = new PeerStats(BalancingSettings.Default, _time);

        stats.OnReport(new LoadReport(1, (uint)_time.GetUtcNow().ToUnixTimeMilliseconds(), 0, 0, 0, IsDraining: true));

        Assert.False(stats.IsAvailable);
    }

    private void Complete(PeerStats stats, int ms)
    {
        stats.OnSent();
        var sent = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(ms));
        stats.OnCompleted(sent);
    }

    private LoadReport Report(ushort sequence, int load)
        => new(sequence, (uint)_time.GetUtcNow().ToUnixTimeMilliseconds(), load, 0, 1000, false);
}
