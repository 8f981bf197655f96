using Mesh.Balancing;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.Options;

namespace Mesh.Runtime.Tests.Balancing;

public sealed class SlowStartGateTests
{
    private static readonly TimeSpan Window = BalancingSettings.Default.SlowStartWindow;
    private readonly ManualTime _time = new();

    [Fact]
    public void CreateStats_PeersLinkedWithinTheWindowOfTheFirstLink_StartFullyRamped()
    {
        var balancer = new Balancer(Options.Create(new MeshOptions()), _time);

        var first = balancer.CreateStats();
        _time.Advance(TimeSpan.FromMilliseconds(5));
        var second = balancer.CreateStats();
        // A peer whose first connection attempt was refused, linked after a reconnect backoff.
        _time.Advance(Window - TimeSpan.FromMilliseconds(10));
        var third = balancer.CreateStats();

        var now = _time.GetTimestamp();
        Assert.All([first, second, third], stats =>
        {
            Assert.False(stats.RampsUp);
            Assert.Equal(1, stats.SlowStartFactor(now));
        });
    }

    [Fact]
    public void CreateStats_PeerLinkedAfterTheWindow_RampsUp()
    {
        var balancer = new Balancer(Options.Create(new MeshOptions()), _time);
        balancer.CreateStats();
        _time.Advance(Window);

        var joined = balancer.CreateStats();

        Assert.True(joined.RampsUp);
        Assert.Equal(0.1, joined.SlowStartFactor(_time.GetTimestamp()), 3);
        _time.Advance(Window / 2);
        Assert.Equal(0.5, joined.SlowStartFactor(_time.GetTimestamp()), 3);
    }

    [Fact]
    public void Pick_LoadAwareInitialPeersLinkedApart_SplitEvenlyDuringTheWindow()
    {
        // The node starts with two peers; the second's link comes up 300 ms after the first. Ramping each
        // from its own link time would, 600 ms in, weigh them 0.3 : 0.15 and give the first two thirds of the calls.
        var balancer = new Balancer(Options.Create(new MeshOptions()), _time);
        var early = balancer.CreateStats();
        _time.Advance(TimeSpan.FromMilliseconds(300));
        var late = balancer.CreateStats();
        _time.Advance(TimeSpan.FromMilliseconds(300));
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(11));
        PeerStats[] peers = [early, late];

        var counts = new int[2];
        for (var i = 0; i < 3000; i++)
        {
            var pick = policy.Pick(peers);
            peers[pick].OnSent();
            counts[pick]++;
        }

        Assert.InRange(counts[0], 1400, 1600);
    }

    [Fact]
    public void ShouldRamp_ZeroWindow_NeverRamps()
    {
        var gate = new SlowStartGate(TimeSpan.Zero, _time);

        Assert.False(gate.ShouldRamp());
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(new PeerStats(BalancingSettings.Default with { SlowStartWindow = TimeSpan.Zero }, _time, gate.ShouldRamp()).RampsUp);
    }
}
