using Mesh.Membership;

namespace Mesh.Runtime.Tests.Membership;

public sealed class BackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(1, 50, 100)]
    [InlineData(2, 100, 200)]
    [InlineData(4, 400, 800)]
    [InlineData(7, 2500, 5000)]
    [InlineData(1000, 2500, 5000)]
    public void Jittered_DrawsAtBothEnds_HalfToAllOfTheCappedExponentialDelay(int attempt, double lowestMs, double highestMs)
    {
        Assert.Equal(lowestMs, Backoff.Jittered(attempt, Min, Max, 0).TotalMilliseconds, 6);
        Assert.Equal(highestMs, Backoff.Jittered(attempt, Min, Max, 1).TotalMilliseconds, 6);
    }

    [Fact]
    public void Jittered_ManyNodesRetryingAfterTheSameOutage_SpreadOverTheWholeHalfWindow()
    {
        // A thousand nodes at their 10th attempt (capped): evenly drawn jitter spreads them over 2.5-5 s, not one instant.
        var delays = Enumerable.Range(0, 1000).Select(i => Backoff.Jittered(10, Min, Max, i / 1000.0).TotalMilliseconds).ToArray();

        Assert.All(delays, d => Assert.InRange(d, 2500, 5000));
        var perHalfSecond = delays.GroupBy(d => (int)(d / 500)).Select(g => g.Count()).ToArray();
        Assert.Equal(5, perHalfSecond.Length);
        Assert.All(perHalfSecond, count => Assert.InRange(count, 150, 250));
    }
}
