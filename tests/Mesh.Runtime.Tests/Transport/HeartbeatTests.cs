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
}
