using Mesh.Balancing;
using Mesh.Load;
using Mesh.Runtime.Tests.TestServices;

namespace Mesh.Runtime.Tests.Balancing;

public sealed class PolicyTests
{
    // No slow start: each test sets up the state it needs by hand.
    private static readonly BalancingSettings Steady = BalancingSettings.Default with { SlowStartWindow = TimeSpan.Zero };
    private readonly ManualTime _time = new();

    public static TheoryData<string> Policies => [.. LoadBalancingPolicies.All];

    [Theory]
    [MemberData(nameof(Policies))]
    public void Pick_DrainingAndUnreadyPeers_NeverChosenWhileOthersAreAvailable(string name)
    {
        var policy = LoadBalancingPolicyFactory.Create(name, _time, new PickRandom(42));
        var peers = Peers(5);
        peers[0].MarkDraining();
        peers[1].IsReady = false;
        peers[3].OnReport(new LoadReport(1, Now(), 0, 0, 0, IsDraining: true));

        var picked = Enumerable.Range(0, 1000).Select(_ => policy.Pick(peers)).ToHashSet();

        Assert.Equal([2, 4], picked.Order());
    }

    [Theory]
    [MemberData(nameof(Policies))]
    public void Pick_NoPeerAvailable_StillPicksOne(string name)
    {
        var policy = LoadBalancingPolicyFactory.Create(name, _time, new PickRandom(1));
        var peers = Peers(3);
        foreach (var peer in peers)
        {
            peer.MarkDraining();
        }

        Assert.InRange(policy.Pick(peers), 0, 2);
    }

    [Fact]
    public void Pick_LoadAware_ReportWeightSet_AvoidsPeerThatReportsLoadFromOtherCallers()
    {
        // Reports weigh 0 by default (MeshOptions.LoadReportWeight); configured, they steer calls.
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(3));
        var peers = Peers(2, Steady with { ReportWeight = 0.5 });
        peers[0].OnReport(new LoadReport(1, Now(), 20, 10, 1000, false));
        peers[1].OnReport(new LoadReport(1, Now(), 0, 0, 1000, false));

        var counts = new int[2];
        for (var i = 0; i < 100; i++)
        {
            counts[policy.Pick(peers)]++;
        }

        Assert.Equal([0, 100], counts);
    }

    [Fact]
    public void Pick_PeakEwma_IgnoresReportsAndPrefersLowerLatencyTimesOutstanding()
    {
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.PeakEwma, _time, new PickRandom(3));
        var peers = Peers(2);
        Complete(peers[0], 5);
        Complete(peers[1], 20);
        peers[0].OnReport(new LoadReport(1, Now(), 50, 50, 1000, false));

        Assert.Equal(0, policy.Pick(peers));
    }

    [Fact]
    public void Pick_LoadAware_RefusedPeerLosesToEqualPeer()
    {
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(5));
        var peers = Peers(2);
        peers[1].OnSent();
        peers[1].OnRefused();

        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(0, policy.Pick(peers)));
    }

    [Fact]
    public void Pick_LoadAware_NewPeerInSlowStartGetsFewerCalls()
    {
        var settings = BalancingSettings.Default with { SlowStartWindow = TimeSpan.FromSeconds(10) };
        var old = new PeerStats(settings, _time);
        _time.Advance(TimeSpan.FromSeconds(20));
        var fresh = new PeerStats(settings, _time);
        old.OnSent();
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(5));

        // Old: one call outstanding (cost ∝ 2); new: idle but at a tenth of its weight (cost ∝ 10).
        Assert.Equal(0, policy.Pick([old, fresh]));
    }

    [Fact]
    public void Pick_LoadAware_PeerSilentLongerThanItsEstimateLosesToAnsweringPeer()
    {
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(7));
        var peers = Peers(2);
        Complete(peers[0], 5);
        Complete(peers[1], 5);
        // Peer 0 holds a call and has not answered for 100 ms; peer 1 holds two but has just answered.
        peers[0].OnSent();
        peers[1].OnSent();
        peers[1].OnSent();
        _time.Advance(TimeSpan.FromMilliseconds(100));
        peers[1].OnSent();
        Complete(peers[1], 1);

        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(1, policy.Pick(peers)));
    }

    [Fact]
    public void Pick_LoadAware_LatencyDifferenceWithinNoiseDoesNotSteerCalls()
    {
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(9));
        var peers = Peers(2);
        Complete(peers[0], 10);
        Complete(peers[1], 13);

        var counts = new int[2];
        for (var i = 0; i < 2000; i++)
        {
            var pick = policy.Pick(peers);
            peers[pick].OnSent();
            counts[pick]++;
        }

        // Equal load (a latency-driven split would give the faster peer √1.3 times the calls, about 53%).
        Assert.InRange(counts[0], 980, 1020);
    }

    [Fact]
    public void Pick_LoadAware_ThreeTimesSlowerPeerGetsFewerCalls()
    {
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(9));
        var peers = Peers(2);
        Complete(peers[0], 10);
        Complete(peers[1], 30);

        var counts = new int[2];
        for (var i = 0; i < 2000; i++)
        {
            var pick = policy.Pick(peers);
            peers[pick].OnSent();
            counts[pick]++;
        }

        // Past the 1.25x noise tolerance the excess counts: 30 / 1.25 / 10 = 2.4 times the cost per call, so the
        // outstanding counts settle at about 1 : 2.4 and the slower peer gets about 1 / 3.4 of the calls.
        Assert.InRange(counts[1] / 2000.0, 0.27, 0.32);
    }

    [Fact]
    public void Pick_LoadAware_CloseCostsBetweenEquallyFastPeersSplitInProportion()
    {
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(13));
        var peers = Peers(2);
        Complete(peers[0], 10);
        Complete(peers[1], 10);
        for (var i = 0; i < 9; i++)
        {
            peers[0].OnSent();
        }

        for (var i = 0; i < 11; i++)
        {
            peers[1].OnSent();
        }

        var counts = new int[2];
        for (var i = 0; i < 4000; i++)
        {
            counts[policy.Pick(peers)]++;
        }

        // Costs 10 : 12 are within 1.5x: the cheaper wins with probability 1/2 + 1/2 × 0.2 / 0.5 = 0.7, not always.
        Assert.InRange(counts[0] / 4000.0, 0.67, 0.73);
    }

    [Fact]
    public void Pick_RoundRobin_VisitsEachPeerInTurn()
    {
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.RoundRobin, _time, new PickRandom(1));
        var peers = Peers(3);

        Assert.Equal([0, 1, 2, 0, 1, 2], Enumerable.Range(0, 6).Select(_ => policy.Pick(peers)));
    }

    [Fact]
    public void Create_UnknownName_ThrowsListingKnownOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => LoadBalancingPolicyFactory.Create("Random", _time, new PickRandom(1)));

        Assert.Contains(LoadBalancingPolicies.LoadAware, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pick_LoadAware_IdleEqualPeersCalledOneAtATime_TakeTurns()
    {
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(21));
        var peers = Peers(3);
        var counts = new int[3];
        for (var i = 0; i < 300; i++)
        {
            // One call at a time; one peer's answers are 1.6 times slower by chance: noise, not a reason to avoid it.
            var pick = policy.Pick(peers);
            Complete(peers[pick], pick == 0 ? 8 : 5);
            counts[pick]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 80, 120));
    }

    [Fact]
    public void Pick_LoadAware_IdlePeerTwiceAsSlowOnAverage_GetsFewerSequentialCalls()
    {
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(21));
        var peers = Peers(2);
        var counts = new int[2];
        for (var i = 0; i < 300; i++)
        {
            var pick = policy.Pick(peers);
            Complete(peers[pick], pick == 0 ? 20 : 5);
            counts[pick]++;
        }

        Assert.True(counts[0] < 30, $"the slower peer got {counts[0]} of 300");
    }

    private PeerStats[] Peers(int count, BalancingSettings? settings = null)
        => [.. Enumerable.Range(0, count).Select(_ => new PeerStats(settings ?? Steady, _time))];

    private uint Now() => (uint)_time.GetUtcNow().ToUnixTimeMilliseconds();

    private void Complete(PeerStats stats, int ms)
    {
        stats.OnSent();
        var sent = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(ms));
        stats.OnCompleted(sent);
    }
}
