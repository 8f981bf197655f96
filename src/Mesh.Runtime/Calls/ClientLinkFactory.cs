using System.Net.Sockets;
using Mesh.Balancing;
using Mesh.Diagnostics;
using Mesh.Dispatch;
using Mesh.Transport;
using Microsoft.Extensions.Logging;

namespace Mesh.Calls;

/// <summary>
/// Makes this node's caller links, all with the node's link settings and logger, and decides after the
/// handshake whether a link runs its calls in-process: when it reaches this node itself and
/// <see cref="MeshOptions.LocalCalls"/> is <see cref="LocalCallMode.ShortCircuit"/>.
/// </summary>
internal sealed class ClientLinkFactory(LinkSettings settings, LinkTls? tls, MeshMetrics metrics, PeerDirectory directory, ILogger<ClientLink> logger, string nodeId, LocalCalls? local)
{
    /// <summary>A link on <paramref name="socket"/> that feeds <paramref name="stats"/>; its handshake is the caller's to run.</summary>
    public ClientLink Create(Socket socket, PeerStats stats) => new(socket, settings, metrics, logger, stats);

    /// <summary>A link to the peer at <paramref name="address"/> could not be made: counted, and kept for the router's errors.</summary>
    public void OnFailed(string address, Exception error)
    {
        metrics.RecordLinkFailure("client", LinkFailure.Reason(error));
        directory.OnLinkFailed($"the last attempt to link to {address} failed: {error.Message}");
    }

    /// <summary>Runs TLS on a new link when the node uses it (<see cref="MeshOptions.Tls"/>), before its Mesh handshake.</summary>
    public Task SecureAsync(ClientLink link, TimeSpan timeout, CancellationToken cancellationToken)
        => tls is null ? Task.CompletedTask : link.SecureAsync(tls, asServer: false, timeout, cancellationToken);

    /// <summary>Called once the handshake of <paramref name="link"/> has succeeded, before it starts.</summary>
    public void OnLinked(ClientLink link)
    {
        link.OnHandshaken();
        if (local is not null && link.Remote!.NodeId == nodeId)
        {
            link.RunCallsLocally(local);
        }
    }
}
