using BenchmarkDotNet.Attributes;
using Mesh.Balancing;
using Mesh.Load;

namespace Mesh.Benchmarks.Balancing;

/// <summary>
/// Cost of one pick, per policy, over 5 / 100 / 1,000 peers with varied outstanding calls, latencies and
/// reports (the system clock, as in the runtime). Target: well under 1 µs and 0 bytes allocated.
/// </summary>
[MemoryDiagnoser]
public class PickBenchmarks
{
    private PeerStats[] _peers = [];
    private ILoadBalancingPolicy _policy = null!;

    [Params(5, 100, 1000)]
    public int Peers { get; set; }

    [Params(LoadBalancingPolicies.LoadAware, LoadBalancingPolicies.PeakEwma, LoadBalancingPolicies.RoundRobin, LoadBalancingPolicies.LeastOutstanding)]
    public string Policy { get; set; } = LoadBalancingPolicies.LoadAware;

    [GlobalSetup]
    public void Setup()
    {
        var time = TimeProvider.System;
        var random = new Random(1);
        var settings = BalancingSettings.Default with { SlowStartWindow = TimeSpan.FromMinutes(10) };
        _peers = [.. Enumerable.Range(0, Peers).Select(_ => new PeerStats(settings, time))];
        foreach (var peer in _peers)
        {
            var outstanding = random.Next(0, 8);
            for (var i = 0; i < outstanding + 1; i++)
            {
                peer.OnSent();
            }

            peer.OnCompleted(time.GetTimestamp() - random.Next(1, 20) * time.TimestampFrequency / 1000);
            peer.OnReport(new LoadReport(1, (uint)time.GetUtcNow().ToUnixTimeMilliseconds(), random.Next(0, 30), random.Next(0, 5), 9000, false));
        }

        _policy = LoadBalancingPolicyFactory.Create(Policy, time, new PickRandom(7));
    }

    [Benchmark]
    public int Pick() => _policy.Pick(_peers);
}
