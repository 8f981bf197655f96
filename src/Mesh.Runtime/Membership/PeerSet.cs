using Mesh.Balancing;
using Mesh.Transport;

namespace Mesh.Membership;

/// <summary>The links that may take a service's calls, with their balancing statistics at the same indices.</summary>
internal sealed class PeerSet
{
    public static readonly PeerSet Empty = new([]);

    public PeerSet(ClientLink[] links)
    {
        Links = links;
        Stats = [.. links.Select(link => link.Stats)];
    }

    public ClientLink[] Links { get; }

    public PeerStats[] Stats { get; }

    public bool IsEmpty => Links.Length == 0;

    /// <summary>A new set without <paramref name="excluded"/> (for a retry; allocates).</summary>
    public PeerSet Without(List<ClientLink> excluded) => new([.. Links.Where(link => !excluded.Contains(link))]);
}
