using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace Mesh.Balancing;

/// <summary>
/// The node's balancing: the policy for each service (the configured default, or a per-service choice),
/// and the settings and clock that every link's <see cref="PeerStats"/> uses.
/// </summary>
internal sealed class Balancer
{
    private readonly FrozenDictionary<uint, ILoadBalancingPolicy> _byService;
    private readonly ILoadBalancingPolicy _default;
    private readonly SlowStartGate _slowStart;

    public Balancer(IOptions<MeshOptions> options, TimeProvider time)
    {
        var value = options.Value;
        Time = time;
        Settings = BalancingSettings.From(value);
        _slowStart = new SlowStartGate(Settings.SlowStartWindow, time);
        Keyed = new BoundedLoadHashing(value.KeyedLoadBound, time);
        _default = LoadBalancingPolicyFactory.Create(value.LoadBalancingPolicy, time, new PickRandom());
        _byService = value.ServiceLoadBalancingPolicies.ToFrozenDictionary(
            pair => StableHash.Compute(pair.Key),
            pair => LoadBalancingPolicyFactory.Create(pair.Value, time, new PickRandom()));
    }

    public TimeProvider Time { get; }

    public BalancingSettings Settings { get; }

    /// <summary>How keyed calls pick their peer (consistent hashing with bounded loads, see <see cref="MeshOptions.KeyedLoadBound"/>).</summary>
    public BoundedLoadHashing Keyed { get; }

    /// <summary>The policy that balances calls to the service with wire id <paramref name="serviceId"/>.</summary>
    public ILoadBalancingPolicy For(uint serviceId)
        => _byService.Count != 0 && _byService.TryGetValue(serviceId, out var policy) ? policy : _default;

    /// <summary>Fresh statistics for a new link; the peer ramps up unless it is one of the node's initial peers (see <see cref="SlowStartGate"/>).</summary>
    public PeerStats CreateStats() => new(Settings, Time, rampUp: _slowStart.ShouldRamp());
}
