using System.Net;

namespace Mesh;

/// <summary>The local Mesh node: its identity, where it listens, and the peers it is linked to.</summary>
public interface IMeshNode
{
    /// <summary>This node's id.</summary>
    string NodeId { get; }

    /// <summary>The endpoint this node accepts links on (with the actual port), once started; null for a client-only node.</summary>
    IPEndPoint? ListenEndPoint { get; }

    /// <summary>The peers this node is linked to and may send new calls to.</summary>
    IReadOnlyList<MeshPeer> Peers { get; }

    /// <summary>Waits until at least <paramref name="count"/> linked peers host <paramref name="serviceName"/>.</summary>
    Task WaitForPeersAsync(string serviceName, int count, CancellationToken cancellationToken);
}

/// <summary>A peer this node is linked to.</summary>
/// <param name="NodeId">The peer's node id.</param>
/// <param name="EndPoint">The peer's address.</param>
/// <param name="Services">The services the peer hosts.</param>
public sealed record MeshPeer(string NodeId, EndPoint? EndPoint, IReadOnlyList<string> Services);
