namespace Mesh.Balancing;

/// <summary>
/// Picks the peer a call goes to, among the peers that may take it (ready, hosting the service). Works on
/// <see cref="PeerStats"/> only, so the runtime and the balancing simulator run the same code.
/// </summary>
internal interface ILoadBalancingPolicy
{
    /// <summary>The policy's name, as configured.</summary>
    string Name { get; }

    /// <summary>
    /// Returns the index of the chosen peer in <paramref name="peers"/> (never empty). Called once per call
    /// and attempt; must not allocate or block.
    /// </summary>
    int Pick(ReadOnlySpan<PeerStats> peers);
}
