using System.Collections.Frozen;

namespace Mesh.Calls;

/// <summary>
/// The router's table: the links that may take new calls, indexed by the services each peer hosts, and whether
/// each peer is ready (the one place that changes it). Readers take an immutable snapshot (one volatile read
/// per call); changes rebuild it under a lock.
/// </summary>
internal sealed class PeerDirectory
{
    private readonly Lock _gate = new();
    private readonly List<ClientLink> _links = [];
    private volatile Snapshot _snapshot = Snapshot.Empty;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _everLinked;

    /// <summary>
    /// Links that may take new calls for <paramref name="serviceId"/>: those to ready peers, or, when no
    /// ready peer hosts the service, those to peers that are terminating but still serving (as kube-proxy
    /// does). Empty when none.
    /// </summary>
    public PeerSet For(uint serviceId)
    {
        var snapshot = _snapshot;
        return snapshot.ByService.TryGetValue(serviceId, out var links) ? links
            : snapshot.Fallback.TryGetValue(serviceId, out var fallback) ? fallback
            : PeerSet.Empty;
    }

    /// <summary>Why the most recent attempt to link to a peer failed, if one did (the router names it when no peer is linked).</summary>
    public string? LastLinkFailure { get; private set; }

    /// <summary>Records why an attempt to link to a peer failed.</summary>
    public void OnLinkFailed(string reason)
    {
        lock (_gate)
        {
            var first = LastLinkFailure is null;
            LastLinkFailure = reason;
            if (first && !_everLinked)
            {
                // Calls waiting for a first link stop waiting: they fail now, with this reason.
                Signal();
            }
        }
    }

    /// <summary>
    /// No link has formed yet and no attempt has failed: discovery and the first connections are still under way, so
    /// a call may wait (within its deadline) for <see cref="Changed"/> rather than fail at once.
    /// </summary>
    public bool IsStarting => !Volatile.Read(ref _everLinked) && LastLinkFailure is null;

    /// <summary>Completes at the next change of the links (or the first link failure while starting).</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Number of peers that may take new calls.</summary>
    public int Count => _snapshot.All.Length;

    /// <summary>Number of links that may take new calls (a peer may have several, see <see cref="MeshOptions.ConnectionsPerPeer"/>).</summary>
    public int LinkCount => _snapshot.LinkCount;

    /// <summary>One link per peer that may take new calls (a peer's connections share its <see cref="ClientLink.Stats"/>).</summary>
    public IReadOnlyList<ClientLink> Links => _snapshot.All;

    /// <summary>Adds a link whose peer discovery reports <paramref name="ready"/> (see <see cref="SetReady"/>).</summary>
    public void Add(ClientLink link, bool ready)
    {
        lock (_gate)
        {
            link.Stats.IsReady = ready;
            _links.Add(link);
            Volatile.Write(ref _everLinked, true);
            Rebuild();
        }
    }

    /// <summary>Removes a link (closed, or its peer is draining) so it gets no new calls.</summary>
    public void Remove(ClientLink link)
    {
        lock (_gate)
        {
            if (_links.Remove(link))
            {
                Rebuild();
            }
        }
    }

    /// <summary>Records whether discovery reports the link's peer ready, and republishes the snapshot.</summary>
    public void SetReady(ClientLink link, bool ready)
    {
        lock (_gate)
        {
            if (link.Stats.IsReady != ready)
            {
                link.Stats.IsReady = ready;
                Rebuild();
            }
        }
    }

    /// <summary>Waits until <paramref name="predicate"/> holds for the current links.</summary>
    public async Task WaitAsync(Func<IReadOnlyList<ClientLink>, bool> predicate, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (predicate(_snapshot.All))
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Rebuild()
    {
        // A peer's connections share its statistics: group by them, so a peer counts once however many it has.
        var peers = _links.GroupBy(link => link.Stats, ReferenceEqualityComparer.Instance).Select(peer => peer.ToArray()).ToArray();
        _snapshot = new Snapshot(
            [.. peers.Select(peer => peer[0])],
            Index(peers.Where(peer => peer[0].Stats.IsReady)),
            Index(peers.Where(peer => !peer[0].Stats.IsReady)),
            _links.Count);
        Signal();
    }

    private void Signal()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private static FrozenDictionary<uint, PeerSet> Index(IEnumerable<ClientLink[]> peers)
        => peers
            .SelectMany(peer => peer[0].Remote!.Services.Select(service => (service.Id, peer)))
            .GroupBy(pair => pair.Id, pair => pair.peer)
            .ToFrozenDictionary(group => group.Key, group => new PeerSet([.. group]));

    private sealed record Snapshot(ClientLink[] All, FrozenDictionary<uint, PeerSet> ByService, FrozenDictionary<uint, PeerSet> Fallback, int LinkCount)
    {
        public static readonly Snapshot Empty = new([], FrozenDictionary<uint, PeerSet>.Empty, FrozenDictionary<uint, PeerSet>.Empty, 0);
    }
}
