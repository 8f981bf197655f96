using System.Net.Sockets;
using Mesh.Balancing;
using Mesh.Dispatch;
using Mesh.Transport;
using Microsoft.Extensions.Logging;

namespace Mesh.Calls;

/// <summary>
/// Makes this node's caller links, all with the node's link settings and logger, and decides after the
/// handshake whether a link runs its calls in-process: when it reaches this node itself and
/// <see cref="MeshOptions.LocalCalls"/> is <see cref="LocalCallMode.ShortCircuit"/>.
/// </summary>
internal sealed class ClientLinkFactory(LinkSettings settings, ILogger<ClientLink> logger, string nodeId, LocalCalls? local)
{
    /// <summary>A link on <paramref name="socket"/> that feeds <paramref name="stats"/>; its handshake is the caller's to run.</summary>
    public ClientLink Create(Socket socket, PeerStats stats) => new(socket, settings, logger, stats);

    /// <summary>Called once the handshake of <paramref name="link"/> has succeeded, before it starts.</summary>
    public void OnLinked(ClientLink link)
    {
        if (local is not null && link.Remote!.NodeId == nodeId)
        {
            link.RunCallsLocally(local);
        }
    }
}
