using Mesh.Transport;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>Heartbeats only where nothing else flows, and from one side of a link.</summary>
public sealed class HeartbeatTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decide_SomethingArrivedJustNow_NoPing(bool initiator)
        => Assert.Equal(HeartbeatAction.None, Heartbeat.Decide(10, initiator, Interval, Timeout));

    [Fact]
    public void Decide_ConnectingSideHeardNothingForHalfAnInterval_Pings()
        => Assert.Equal(HeartbeatAction.Ping, Heartbeat.Decide(500, initiator: true, Interval, Timeout));

    [Fact]
    public void Decide_AcceptingSideHearsThePeersPingsEachInterval_StaysQuiet()
        => Assert.Equal(HeartbeatAction.None, Heartbeat.Decide(1_400, initiator: false, Interval, Timeout));

    [Fact]
    public void Decide_AcceptingSideHeardNothingForTwoIntervals_Pings()
        => Assert.Equal(HeartbeatAction.Ping, Heartbeat.Decide(2_000, initiator: false, Interval, Timeout));

    [Fact]
    public void Decide_TimeoutBarelyAboveInterval_AcceptingSidePingsBeforeTheTimeout()
    {
        var timeout = TimeSpan.FromMilliseconds(1_500);

        Assert.Equal(HeartbeatAction.Ping, Heartbeat.Decide(1_000, initiator: false, Interval, timeout));
        Assert.Equal(HeartbeatAction.Dead, Heartbeat.Decide(1_500, initiator: false, Interval, timeout));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decide_SilentForTheTimeout_Dead(bool initiator)
        => Assert.Equal(HeartbeatAction.Dead, Heartbeat.Decide(5_000, initiator, Interval, Timeout));

    [Theory]
    [InlineData(0, 1_000)]
    [InlineData(1, 1_000)]
    [InlineData(999, 1_000)]
    [InlineData(1_000, 2_000)]
    [InlineData(123_456_789, 123_457_000)]
    public void NextTick_AnyStart_TheNextMultipleOfTheInterval(long now, long expected)
        => Assert.Equal(expected, Heartbeat.NextTick(now, Interval));

    [Fact]
    public void NextTick_LinksStartedApart_TickTogetherFromTheirFirstTick()
    {
        // Links that started 10 ms, 400 ms and 990 ms into an interval: their ticks fall on the same instants.
        long[] links = [10_010, 10_400, 10_990];
        var ticks = links.Select(start => Heartbeat.NextTick(start, Interval)).ToArray();
        Assert.All(ticks, t => Assert.Equal(11_000, t));
        Assert.All(ticks.Select(t => Heartbeat.NextTick(t, Interval)), t => Assert.Equal(12_000, t));
    }
}
