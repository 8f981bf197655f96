using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;

namespace Mesh.Membership;

/// <summary>The peers of <see cref="MeshOptions.StaticPeers"/>; they never change.</summary>
internal sealed class StaticPeerDiscovery(IOptions<MeshOptions> options) : IPeerDiscovery
{
    public async IAsyncEnumerable<IReadOnlyList<DiscoveredPeer>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var peers = options.Value.StaticPeers
            .Select(peer => StaticEndpoint.TryParse(peer, out var endpoint) ? new DiscoveredPeer(endpoint.Value.Host, endpoint.Value.Port) : null)
            .OfType<DiscoveredPeer>()
            .DistinctBy(peer => peer.Address)
            .ToList();
        yield return peers;
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
