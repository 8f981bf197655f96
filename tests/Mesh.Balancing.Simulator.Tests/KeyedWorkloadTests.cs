using Mesh.Balancing.Simulator.Keyed;

namespace Mesh.Balancing.Simulator.Tests;

/// <summary>
/// The bars keyed routing must hold in the simulator (runs of 10 simulated seconds, seed 1): bounded-load hashing keeps
/// node loads within about (1 + ε) of the mean, keeps most calls on their key's owner, and, unlike plain consistent
/// hashing, keeps the tail short when one key is hot or one node turns slow.
/// </summary>
public sealed class KeyedWorkloadTests
{
    [Theory]
    [InlineData("zipf")]
    [InlineData("zipf-deep")]
    [InlineData("hot-key")]
    public void Run_BoundedLoad_LoadMaxOverMeanWithinTheBound(string name)
    {
        var result = Run(name, KeyedWorkload.BoundedLoad);

        // ε = 0.25, plus the rounding up of ⌈(1 + ε) × mean⌉ at a few calls per node.
        Assert.InRange(result.LoadMaxOverMean, 1.0, 1.3);
    }

    [Theory]
    [InlineData("zipf", 0.65)]
    [InlineData("zipf-deep", 0.8)]
    public void Run_BoundedLoad_MostCallsStayOnTheirOwner(string name, double bar)
    {
        var bounded = Run(name, KeyedWorkload.BoundedLoad);
        var unkeyed = Run(name, LoadBalancingPolicies.LoadAware);

        Assert.True(bounded.OwnerHitRate >= bar, $"hit rate {bounded.OwnerHitRate:P1} < {bar:P0}");
        Assert.InRange(unkeyed.OwnerHitRate, 0.15, 0.25);
        Assert.True(bounded.WarmHitRate > unkeyed.WarmHitRate, $"warm hits {bounded.WarmHitRate:P1} <= {unkeyed.WarmHitRate:P1} without affinity");
    }

    [Theory]
    [InlineData("hot-key")]
    [InlineData("slow-node")]
    public void Run_HotKeyOrSlowNode_BoundedLoadTailFarShorterThanPlainConsistentHashing(string name)
    {
        var bounded = Run(name, KeyedWorkload.BoundedLoad);
        var plain = Run(name, KeyedWorkload.ConsistentHash);

        Assert.Equal(1.0, plain.OwnerHitRate);
        Assert.True(bounded.P99Ms * 10 < plain.P99Ms, $"p99 {bounded.P99Ms:0.0} ms bounded vs {plain.P99Ms:0.0} ms plain");
        Assert.True(bounded.LoadMaxOverMean < plain.LoadMaxOverMean / 2, $"load max/mean {bounded.LoadMaxOverMean:0.00} bounded vs {plain.LoadMaxOverMean:0.00} plain");
    }

    [Fact]
    public void Run_SameWorkloadTwice_SameResult()
    {
        Assert.Equal(Run("hot-key", KeyedWorkload.BoundedLoad), Run("hot-key", KeyedWorkload.BoundedLoad));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(100)]
    public void KeyMovement_OneNodeJoinsOrLeaves_AboutOneInNKeysMoveAndNoOthers(int n)
    {
        var join = KeyMovement.Join(n);
        var leave = KeyMovement.Leave(n);

        Assert.Equal(0, join.Stray);
        Assert.Equal(0, leave.Stray);
        Assert.InRange(join.Moved / (double)KeyMovement.Keys, 0.65 / (n + 1), 1.35 / (n + 1));
        Assert.InRange(leave.Moved / (double)KeyMovement.Keys, 0.65 / n, 1.35 / n);
    }

    private static KeyedResult Run(string name, string policy)
        => new KeyedSimulation(KeyedWorkload.Builtin(name) with { DurationSeconds = 10, WarmupSeconds = 1 }, policy).Run();
}
