using Mesh.Transport;

namespace Mesh.Balancing;

/// <summary>Picks the link a call goes to, among links to ready peers that host the service.</summary>
internal interface ILoadBalancingPolicy
{
    /// <summary>The policy's name, as configured.</summary>
    string Name { get; }

    /// <summary>Picks one of <paramref name="candidates"/> (never empty); called once per call and attempt.</summary>
    ClientLink Pick(ReadOnlySpan<ClientLink> candidates);
}
