namespace Mesh.Membership;

/// <summary>
/// A source of peers: static configuration (the local default), Kubernetes EndpointSlices, DNS. The node
/// links to every peer in the latest set, closes links (after in-flight calls) to peers that left, and
/// keeps its last known set when discovery fails.
/// </summary>
public interface IPeerDiscovery
{
    /// <summary>
    /// Yields the full set of peers whenever it changes (the first set as soon as it is known), until
    /// <paramref name="cancellationToken"/> fires.
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<DiscoveredPeer>> WatchAsync(CancellationToken cancellationToken);
}
