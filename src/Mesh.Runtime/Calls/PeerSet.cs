using Mesh.Balancing;

namespace Mesh.Calls;

/// <summary>
/// The peers that may take a service's calls: their balancing statistics (what a policy picks from) and, at the
/// same index, each peer's connections (<see cref="MeshOptions.ConnectionsPerPeer"/>; usually one).
/// </summary>
internal sealed class PeerSet
{
    public static readonly PeerSet Empty = new([]);

    private readonly ClientLink[][] _connections;
    private int _rotation;
    private KeyRing? _ring;

    /// <param name="connections">Per peer, its live connections (at least one each), all sharing the peer's stats.</param>
    public PeerSet(ClientLink[][] connections)
    {
        _connections = connections;
        Stats = [.. connections.Select(peer => peer[0].Stats)];
    }

    public PeerStats[] Stats { get; }

    public bool IsEmpty => _connections.Length == 0;

    /// <summary>The consistent-hash ring of these peers for keyed calls, built on first use (a peer's index is the same as in <see cref="Stats"/>).</summary>
    public KeyRing Ring
    {
        get
        {
            var ring = Volatile.Read(ref _ring);
            if (ring is null)
            {
                var built = KeyRing.Build([.. _connections.Select(peer => peer[0].PeerNodeId)]);
                ring = Interlocked.CompareExchange(ref _ring, built, null) ?? built;
            }

            return ring;
        }
    }

    /// <summary>The connection that takes a call to peer <paramref name="index"/>: the one with the fewest calls in flight.</summary>
    public ClientLink Connection(int index)
    {
        var connections = _connections[index];
        if (connections.Length == 1)
        {
            return connections[0];
        }

        // Ties (all idle, say) rotate, so calls spread over the connections rather than piling on the first.
        var start = (int)((uint)Interlocked.Increment(ref _rotation) % (uint)connections.Length);
        var best = connections[start];
        for (var i = 1; i < connections.Length; i++)
        {
            var candidate = connections[(start + i) % connections.Length];
            if (candidate.Outstanding < best.Outstanding)
            {
                best = candidate;
            }
        }

        return best;
    }

    /// <summary>A new set without the peers of <paramref name="excluded"/> (for a retry; allocates).</summary>
    public PeerSet Without(List<ClientLink> excluded)
        => new([.. _connections.Where(peer => !excluded.Exists(link => ReferenceEquals(link.Stats, peer[0].Stats)))]);
}
