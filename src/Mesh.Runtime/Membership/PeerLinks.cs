using System.Net;
using System.Net.Sockets;
using Mesh.Balancing;
using Mesh.Calls;
using Mesh.Diagnostics;
using Mesh.Transport;
using Microsoft.Extensions.Logging;

namespace Mesh.Membership;

/// <summary>
/// Keeps <see cref="MeshOptions.ConnectionsPerPeer"/> links (usually one) to the peers this node needs: those hosting
/// a service it calls — all of them, or, past <see cref="MeshOptions.ApertureThreshold"/> peers for a service, a
/// deterministic aperture of them (<see cref="ApertureRing"/>, sized by <see cref="ApertureSizer"/>). A peer whose
/// services are not known yet counts as a host of every called service; once linked, its hello says what it hosts,
/// and the link is kept only if the peer is needed. Connects with jittered, capped exponential backoff and at most
/// <see cref="MeshOptions.MaxLinkAttemptsInProgress"/> attempts at once, re-links when a link closes, follows
/// readiness changes, and drains links to peers that left or are no longer needed (in-flight calls finish, new calls
/// go elsewhere). A peer's links share its balancing statistics, so the balancer sees the peer once.
/// </summary>
internal sealed class PeerLinks
{
    /// <summary>How often the apertures sample the load their callers send.</summary>
    internal static readonly TimeSpan ApertureSampleInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Ring positions for a caller that discovery does not list (its position comes from its node id).</summary>
    private const int UnlistedRingSize = 1 << 16;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Slot> _slots = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly LogFolder _refused = new(TimeSpan.FromSeconds(10));
    private readonly Dictionary<string, KnownPeer> _known = [];
    private readonly Dictionary<string, ApertureSizer> _sizers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _attempts;
    private readonly MeshOptions _options;
    private readonly PeerDirectory _directory;
    private readonly HelloMessage _hello;
    private readonly Balancer _balancer;
    private readonly ClientLinkFactory _links;
    private readonly string[] _called;
    private readonly HashSet<string> _keyed;
    private readonly Func<DiscoveredPeer, bool> _isSelf;
    private readonly ILogger<PeerLinks> _logger;
    private DiscoveredPeer[] _ring = [];
    private TaskCompletionSource _slotsChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _sampling;

    /// <param name="options">The node's options.</param>
    /// <param name="directory">Where linked peers are published for the router.</param>
    /// <param name="hello">This node's hello.</param>
    /// <param name="balancer">Creates each peer's statistics.</param>
    /// <param name="links">Creates and secures links.</param>
    /// <param name="calledServices">The services this node calls; with none it links to nobody.</param>
    /// <param name="keyedServices">Called services that are keyed: always linked to every host (all callers must agree on a key's owner).</param>
    /// <param name="isSelf">Whether a discovered peer is this node (its place on the callers' ring).</param>
    /// <param name="logger">The log.</param>
    public PeerLinks(MeshOptions options, PeerDirectory directory, HelloMessage hello, Balancer balancer, ClientLinkFactory links, IEnumerable<string> calledServices, IEnumerable<string> keyedServices, Func<DiscoveredPeer, bool> isSelf, ILogger<PeerLinks> logger)
    {
        _options = options;
        _directory = directory;
        _hello = hello;
        _balancer = balancer;
        _links = links;
        _called = [.. calledServices.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _keyed = [.. keyedServices];
        _isSelf = isSelf;
        _logger = logger;
        _attempts = new SemaphoreSlim(options.MaxLinkAttemptsInProgress, options.MaxLinkAttemptsInProgress);
    }

    /// <summary>Number of peers with a slot (linked, linking, or waiting to re-link).</summary>
    public int SlotCount
    {
        get
        {
            lock (_gate)
            {
                return _slots.Count;
            }
        }
    }

    /// <summary>Waits until <paramref name="predicate"/> holds for the addresses of the peers this node keeps links to.</summary>
    internal async Task WaitForSlotsAsync(Func<IReadOnlyCollection<string>, bool> predicate, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (predicate(_slots.Keys))
                {
                    return;
                }

                changed = _slotsChanged.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reconciles the links with the latest set of peers from discovery.</summary>
    public void Apply(IReadOnlyList<DiscoveredPeer> peers)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            _ring = [.. peers.DistinctBy(p => p.Address).OrderBy(p => p.Address, StringComparer.Ordinal)];
            var present = _ring.Select(p => p.Address).ToHashSet(StringComparer.Ordinal);
            foreach (var address in _known.Keys.Where(a => !present.Contains(a)).ToList())
            {
                // A peer that comes back at the same address may be another process: learn its services again.
                _known.Remove(address);
            }

            Reconcile();
            _sampling ??= _called.Length > 0 ? SampleAperturesAsync() : null;
        }
    }

    /// <summary>
    /// The peers this node should link to now: of the candidates for each called service (the peers known to host it
    /// and those whose services are not known yet), all of them, or past the threshold the caller's aperture. A peer
    /// not known yet is assumed to host every service until its hello says otherwise, so a node joining a large mesh
    /// links only to its aperture instead of handshaking with every peer to learn what it hosts (a mesh of one
    /// deployment, where every peer hosts the same services, never links outside its apertures); a peer that turns
    /// out to host none of them is dropped and the window moves on.
    /// </summary>
    internal Dictionary<string, DiscoveredPeer> Wanted()
    {
        lock (_gate)
        {
            var wanted = new Dictionary<string, DiscoveredPeer>(StringComparer.Ordinal);
            if (_called.Length == 0)
            {
                return wanted;
            }

            foreach (var service in _called)
            {
                var hosts = Candidates(service);
                foreach (var index in Window(service, hosts.Length))
                {
                    wanted[hosts[index].Address] = hosts[index];
                }
            }

            return wanted;
        }
    }

    /// <summary>The size of the aperture for <paramref name="service"/> (the floor until its load is sampled).</summary>
    internal int ApertureSize(string service)
    {
        lock (_gate)
        {
            return _sizers.TryGetValue(service, out var sizer) ? sizer.Size : _options.ApertureMinPeers;
        }
    }

    /// <summary>
    /// Sends no new calls, lets calls in flight complete within <paramref name="grace"/>, then closes every link.
    /// </summary>
    public async Task StopAsync(CancellationToken grace)
    {
        Slot[] slots;
        Task? sampling;
        lock (_gate)
        {
            _stopping.Cancel();
            slots = [.. _slots.Values];
            _slots.Clear();
            sampling = _sampling;
        }

        foreach (var slot in slots)
        {
            slot.Leave();
        }

        try
        {
            await Task.WhenAll(slots.Select(s => s.Loop!)).WaitAsync(grace).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (var slot in slots)
            {
                slot.Abort("the node stopped before the calls in flight on the link completed");
            }

            await Task.WhenAll(slots.Select(s => s.Loop!)).ConfigureAwait(false);
        }

        if (sampling is not null)
        {
            await sampling.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private void Reconcile()
    {
        var wanted = Wanted();
        var before = _slots.Count;
        var changed = false;
        foreach (var (address, slot) in _slots.ToList())
        {
            if (!wanted.ContainsKey(address))
            {
                _slots.Remove(address);
                slot.Leave();
                changed = true;
            }
        }

        foreach (var (address, peer) in wanted)
        {
            if (_slots.TryGetValue(address, out var slot))
            {
                slot.Update(peer, _directory);
            }
            else
            {
                slot = new Slot(peer, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token), _options.ConnectionsPerPeer);
                _slots.Add(address, slot);
                slot.Loop = Task.WhenAll(Enumerable.Range(0, _options.ConnectionsPerPeer).Select(connection => MaintainAsync(slot, connection)));
                changed = true;
            }
        }

        if (changed || before != _slots.Count)
        {
            var signal = _slotsChanged;
            _slotsChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            signal.TrySetResult();
        }
    }

    /// <summary>The discovered peers that host <paramref name="service"/> or may (not known yet), in ring order.</summary>
    private DiscoveredPeer[] Candidates(string service)
        => [.. _ring.Where(peer => !_known.TryGetValue(peer.Address, out var known) || known.Services.Contains(service))];

    /// <summary>Indices into <see cref="Candidates"/> of the peers of <paramref name="service"/> this node links to.</summary>
    private int[] Window(string service, int hosts)
    {
        if (hosts <= _options.ApertureThreshold || _keyed.Contains(service))
        {
            // Keyed services too: a key's owner is found on the ring of all hosts, which every caller must see.
            return [.. Enumerable.Range(0, hosts)];
        }

        if (!_sizers.TryGetValue(service, out var sizer))
        {
            _sizers[service] = sizer = new ApertureSizer(_options.ApertureMinPeers);
        }

        var (index, callers) = RingPosition();
        return ApertureRing.Window(index, callers, hosts, sizer.Size);
    }

    /// <summary>
    /// This node's place among the callers: its index in discovery's peers ordered by address, or, when discovery
    /// does not list it, a place derived from its node id among as many slots as the ring has room for.
    /// </summary>
    private (int Index, int Count) RingPosition()
    {
        for (var i = 0; i < _ring.Length; i++)
        {
            var peer = _ring[i];
            if ((_known.TryGetValue(peer.Address, out var known) && known.NodeId == _hello.NodeId) || _isSelf(peer))
            {
                return (i, _ring.Length);
            }
        }

        return ((int)(StableHash.Compute(_hello.NodeId) % UnlistedRingSize), UnlistedRingSize);
    }

    /// <summary>
    /// Records what <paramref name="link"/>'s hello says the peer hosts; returns whether the link is still wanted
    /// (the peer hosts a called service and is inside the aperture).
    /// </summary>
    private bool Learned(Slot slot, ClientLink link)
    {
        lock (_gate)
        {
            var known = new KnownPeer(link.PeerNodeId, [.. link.Remote!.Services.Select(s => s.Name)]);
            var address = slot.Peer.Address;
            if (!_known.TryGetValue(address, out var previous) || !previous.SameAs(known))
            {
                _known[address] = known;
                if (!_stopping.IsCancellationRequested)
                {
                    Reconcile();
                }
            }

            return _slots.TryGetValue(address, out var current) && current == slot && !slot.Leaving.IsCancellationRequested;
        }
    }

    /// <summary>
    /// Every <see cref="ApertureSampleInterval"/>, feeds each aperture the calls in flight to its linked peers and
    /// re-links when its size changes.
    /// </summary>
    private async Task SampleAperturesAsync()
    {
        using var timer = new PeriodicTimer(ApertureSampleInterval, _balancer.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                SampleApertures();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One load sample for every service past the threshold; re-links if an aperture changed size.</summary>
    internal void SampleApertures()
    {
        lock (_gate)
        {
            var changed = false;
            foreach (var (service, sizer) in _sizers)
            {
                var hosts = Candidates(service);
                if (hosts.Length <= _options.ApertureThreshold)
                {
                    continue;
                }

                var outstanding = 0;
                var linked = 0;
                foreach (var host in hosts)
                {
                    if (_slots.TryGetValue(host.Address, out var slot) && slot.Links.FirstOrDefault(l => l is not null) is { } link)
                    {
                        linked++;
                        outstanding += link.Stats.Outstanding;
                    }
                }

                if (sizer.Sample(outstanding, linked, hosts.Length))
                {
                    changed = true;
                    MeshLog.ApertureResized(_logger, service, sizer.Size, hosts.Length, sizer.Outstanding);
                }
            }

            if (changed && !_stopping.IsCancellationRequested)
            {
                Reconcile();
            }
        }
    }

    /// <summary>What a peer's hello said: its node id and the services it hosts.</summary>
    private sealed record KnownPeer(string NodeId, HashSet<string> Services)
    {
        public bool SameAs(KnownPeer other) => NodeId == other.NodeId && Services.SetEquals(other.Services);
    }

    private async Task MaintainAsync(Slot slot, int connection)
    {
        var leaving = slot.Leaving.Token;
        var failures = 0;
        while (!leaving.IsCancellationRequested)
        {
            ClientLink? link = null;
            var published = false;
            try
            {
                link = await ConnectAsync(slot, leaving).ConfigureAwait(false);
                failures = 0;
                if (!Learned(slot, link))
                {
                    // Linked only to learn the peer's services: it hosts none this node calls, or lies outside the aperture.
                    MeshLog.PeerNotNeeded(_logger, link.PeerNodeId, slot.Peer.Address);
                    return;
                }

                slot.Links[connection] = link;
                link.Draining += _directory.Remove;
                _directory.Add(link, slot.Peer.IsReady);
                published = true;
                MeshLog.PeerLinked(_logger, link.PeerNodeId, link.RemoteEndPoint, link.PeerIdentity ?? "none: plaintext", string.Join(", ", link.Remote!.Services.Select(s => s.Name)));
                await Task.WhenAny(link.Closed, Task.Delay(Timeout.Infinite, leaving)).ConfigureAwait(false);
                if (leaving.IsCancellationRequested)
                {
                    // The peer left the set (or this node stops): no new calls; close once in-flight calls complete.
                    _directory.Remove(link);
                    link.BeginDrain();
                    await link.Closed.ConfigureAwait(false);
                    return;
                }
            }
            catch (OperationCanceledException) when (leaving.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (LinkFailure.IsLinkFailure(ex))
            {
                failures++;
                _links.OnFailed(slot.Peer.Address, ex);
                var delay = Backoff.Jittered(failures, _options.ReconnectMinBackoff, _options.ReconnectMaxBackoff);
                if (ex is ProtocolException or System.Security.Authentication.AuthenticationException && _refused.ShouldLog(slot.Peer.Address, out var folded))
                {
                    // The peer answered but refused this node (other mesh, other protocol version): an operator must act.
                    MeshLog.LinkRefusedByPeer(_logger, slot.Peer.Address, failures, (long)delay.TotalMilliseconds, ex.Message, folded);
                }
                else
                {
                    MeshLog.ConnectFailed(_logger, slot.Peer.Address, failures, (long)delay.TotalMilliseconds, ex.Message);
                }

                await Backoff.DelayAsync(delay, leaving).ConfigureAwait(false);
                continue;
            }
            finally
            {
                if (link is not null)
                {
                    _directory.Remove(link);
                    slot.Links[connection] = null;
                    if (published)
                    {
                        // A link made only to learn the peer's services was never announced as linked.
                        MeshLog.PeerUnlinked(_logger, link.Remote?.NodeId, link.RemoteEndPoint);
                    }

                    await link.DisposeAsync().ConfigureAwait(false);
                    slot.ReleaseStats();
                }
            }

            // The link closed (the peer stopped or drained): reconnect after a short, jittered pause.
            await Backoff.DelayAsync(Backoff.Jittered(1, _options.ReconnectMinBackoff, _options.ReconnectMaxBackoff), leaving).ConfigureAwait(false);
        }
    }

    private async Task<ClientLink> ConnectAsync(Slot slot, CancellationToken cancellationToken)
    {
        // A bounded number of attempts at once: a node that finds (or loses) many peers at once links to them in
        // turn instead of flooding them, and its own CPU, with handshakes that then time out and start over.
        await _attempts.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ConnectOnceAsync(slot, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _attempts.Release();
        }
    }

    private async Task<ClientLink> ConnectOnceAsync(Slot slot, CancellationToken cancellationToken)
    {
        var peer = slot.Peer;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var addresses = IPAddress.TryParse(peer.Host, out var address)
            ? [address]
            : await Dns.GetHostAddressesAsync(peer.Host, timeout.Token).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        var socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(addresses[0], peer.Port, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var link = _links.Create(socket, slot.StatsFor(_balancer));
        try
        {
            // A starved node gives its handshakes the lag it measured on itself before it blames the peer.
            var handshakeTimeout = _options.HandshakeTimeout + LocalLag.Recent;
            await _links.SecureAsync(link, handshakeTimeout, cancellationToken).ConfigureAwait(false);
            var remote = await link.HandshakeAsync(_hello, handshakeTimeout, cancellationToken).ConfigureAwait(false);
            if (remote.MeshName != _options.MeshName)
            {
                throw new ProtocolException($"the peer belongs to mesh '{remote.MeshName}', this node to '{_options.MeshName}'");
            }

            if (!slot.Owns(link))
            {
                // Another process answers at the address than the one the peer's other connections reach
                // (it restarted between two connects): this connection waits for the others to re-link.
                throw new ProtocolException($"node '{remote.NodeId}' answered at {peer.Address}, where the peer's other connections reach another node");
            }
        }
        catch
        {
            await link.DisposeAsync().ConfigureAwait(false);
            slot.ReleaseStats();
            throw;
        }

        _links.OnLinked(link);
        link.Start();
        return link;
    }

    private sealed class Slot(DiscoveredPeer peer, CancellationTokenSource leaving, int connections)
    {
        private readonly Lock _gate = new();
        private PeerStats? _stats;
        private int _holders;

        public DiscoveredPeer Peer { get; private set; } = peer;

        public CancellationTokenSource Leaving => leaving;

        public Task? Loop { get; set; }

        /// <summary>The peer's live links, by connection index (null while that connection is down).</summary>
        public ClientLink?[] Links { get; } = new ClientLink?[connections];

        /// <summary>
        /// The statistics a new connection shares: those of the peer's other connections (live or connecting), or
        /// fresh ones (a new latency estimate and slow start) when it has none — the peer may have restarted.
        /// Each call is matched by one <see cref="ReleaseStats"/> when that connection is gone.
        /// </summary>
        public PeerStats StatsFor(Balancer balancer)
        {
            lock (_gate)
            {
                if (_holders++ == 0 || _stats is null)
                {
                    _stats = balancer.CreateStats();
                }

                return _stats;
            }
        }

        public void ReleaseStats()
        {
            lock (_gate)
            {
                _holders--;
            }
        }

        /// <summary>Whether <paramref name="link"/> reached the same node as the peer's other live connections.</summary>
        public bool Owns(ClientLink link)
        {
            lock (_gate)
            {
                return Links.All(other => other is null || other == link || other.PeerNodeId == link.PeerNodeId);
            }
        }

        public void Update(DiscoveredPeer peer, PeerDirectory directory)
        {
            if (peer == Peer)
            {
                return;
            }

            Peer = peer;
            foreach (var link in Links)
            {
                if (link is not null)
                {
                    directory.SetReady(link, peer.IsReady);
                }
            }
        }

        public void Abort(string reason)
        {
            foreach (var link in Links)
            {
                link?.Abort(reason);
            }
        }

        public void Leave()
        {
            try
            {
                leaving.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
