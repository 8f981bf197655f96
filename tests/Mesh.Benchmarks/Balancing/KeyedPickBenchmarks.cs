using BenchmarkDotNet.Attributes;
using Mesh.Balancing;
using Mesh.Load;

namespace Mesh.Benchmarks.Balancing;

/// <summary>
/// Cost of one keyed pick (consistent hashing with bounded loads, ε = 0.25) over 5 / 100 / 1,000 peers with varied
/// outstanding calls and reports, so some owners are over the bound and their keys spill; keys cycle through 4,096
/// hashes, and the mean-load refresh (every n picks or 1 ms) is included. Target: under 1 µs and 0 bytes allocated.
/// </summary>
[MemoryDiagnoser]
public class KeyedPickBenchmarks
{
    private readonly ulong[] _keys = [.. Enumerable.Range(0, 4096).Select(i => MeshKey.Hash($"cart-{i}"))];
    private PeerStats[] _peers = [];
    private KeyRing _ring = null!;
    private BoundedLoadHashing _hashing = null!;
    private int _next;

    [Params(5, 100, 1000)]
    public int Peers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var time = TimeProvider.System;
        var random = new Random(1);
        _peers = [.. Enumerable.Range(0, Peers).Select(_ => new PeerStats(BalancingSettings.Default, time, rampUp: false))];
        foreach (var peer in _peers)
        {
            var outstanding = random.Next(0, 8);
            for (var i = 0; i < outstanding; i++)
            {
                peer.OnSent();
            }

            peer.OnReport(new LoadReport(1, (uint)time.GetUtcNow().ToUnixTimeMilliseconds(), random.Next(0, 30), random.Next(0, 5), 9000, false));
        }

        _ring = KeyRing.Build([.. Enumerable.Range(0, Peers).Select(i => $"node-{i}")]);
        _hashing = new BoundedLoadHashing(0.25, time);
    }

    [Benchmark]
    public int KeyedPick() => _hashing.Pick(_peers, _ring, _keys[_next++ & 4095]);
}
