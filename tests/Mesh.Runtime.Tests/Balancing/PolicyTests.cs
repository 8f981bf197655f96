using Mesh.Balancing;
using Mesh.Load;
using Mesh.Runtime.Tests.TestServices;

namespace Mesh.Runtime.Tests.Balancing;

public sealed class PolicyTests
{
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
    public void Pick_LoadAware_AvoidsPeerThatReportsLoadFromOtherCallers()
    {
        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.LoadAware, _time, new PickRandom(3));
        var peers = Peers(2);
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

    private PeerStats[] Peers(int count)
        => [.. Enumerable.Range(0, count).Select(_ => new PeerStats(BalancingSettings.Default with { SlowStartWindow = TimeSpan.Zero }, _time))];

    private uint Now() => (uint)_time.GetUtcNow().ToUnixTimeMilliseconds();

    private void Complete(PeerStats stats, int ms)
    {
        stats.OnSent();
        var sent = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(ms));
        stats.OnCompleted(sent);
    }
}
