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

    /// <summary>Where the node is in its life: starting, running, draining (after SIGTERM / host stop) or stopped.</summary>
    MeshNodeState State { get; }

    /// <summary>
    /// True while the node takes new calls (<see cref="MeshNodeState.Running"/>) and, with <see cref="MeshOptions.Tls"/>,
    /// its certificate files load (<see cref="TlsFailure"/> is null); false before it started, while its certificates are
    /// missing or invalid, and from the moment it starts draining. Wire a readiness probe to it.
    /// </summary>
    bool IsReady { get; }

    /// <summary>
    /// Null without TLS or while the node's certificate, key and authorities load and the certificate is within its
    /// validity period; otherwise why not (the node is not ready; the files are re-read, so it recovers when they are fixed).
    /// </summary>
    string? TlsFailure { get; }

    /// <summary>
    /// Null while peer discovery is healthy; otherwise why it failed (the node is degraded: it keeps the last
    /// known peers and retries by itself).
    /// </summary>
    string? DiscoveryFailure { get; }

    /// <summary>Waits until at least <paramref name="count"/> linked peers host <paramref name="serviceName"/>.</summary>
    Task WaitForPeersAsync(string serviceName, int count, CancellationToken cancellationToken);

    /// <summary>Waits until <paramref name="predicate"/> holds for the linked peers.</summary>
    Task WaitForPeersAsync(Func<IReadOnlyList<MeshPeer>, bool> predicate, CancellationToken cancellationToken);

    /// <summary>
    /// What this node's balancer knows of each linked peer right now (a snapshot; reading it costs no call anything):
    /// for dashboards and diagnostics.
    /// </summary>
    IReadOnlyList<MeshPeerStatistics> GetPeerStatistics();
}

/// <summary>A peer this node is linked to.</summary>
/// <param name="NodeId">The peer's node id.</param>
/// <param name="EndPoint">The peer's address.</param>
/// <param name="Services">The services the peer hosts.</param>
/// <param name="IsReady">
/// False when discovery reports the peer terminating but still serving: it gets calls only when no ready
/// peer hosts the service.
/// </param>
public sealed record MeshPeer(string NodeId, EndPoint? EndPoint, IReadOnlyList<string> Services, bool IsReady = true);

/// <summary>What a node's balancer knows of one peer at one moment (see <see cref="IMeshNode.GetPeerStatistics"/>).</summary>
/// <param name="NodeId">The peer's node id.</param>
/// <param name="EndPoint">The peer's address.</param>
/// <param name="IsReady">Whether discovery reports the peer ready.</param>
/// <param name="IsDraining">Whether the peer said it is draining (it gets no new calls).</param>
/// <param name="SlowStart">The peer's slow-start factor, from 0.1 (just joined) to 1 (fully ramped).</param>
/// <param name="Outstanding">This node's calls in flight to the peer.</param>
/// <param name="LatencyMs">The balancer's peak-EWMA latency estimate in ms, or null before the first answer.</param>
/// <param name="Answered">Calls the peer answered so far (results and remote failures).</param>
/// <param name="Refused">Calls the peer refused as overloaded so far.</param>
/// <param name="ReportedLoad">Calls the peer's latest load report says it holds, or null without a report.</param>
/// <param name="ReportAgeMs">The age of that report in ms, or null without a report.</param>
/// <param name="Identity">The peer's identity from its TLS certificate (a SPIFFE id, say), or null on plaintext links.</param>
public sealed record MeshPeerStatistics(
    string NodeId,
    EndPoint? EndPoint,
    bool IsReady,
    bool IsDraining,
    double SlowStart,
    int Outstanding,
    double? LatencyMs,
    long Answered,
    long Refused,
    int? ReportedLoad,
    double? ReportAgeMs,
    string? Identity = null);
