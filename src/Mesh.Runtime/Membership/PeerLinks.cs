using System.Net;
using System.Net.Sockets;
using Mesh.Balancing;
using Mesh.Calls;
using Mesh.Diagnostics;
using Mesh.Transport;
using Microsoft.Extensions.Logging;

namespace Mesh.Membership;

/// <summary>
/// Keeps <see cref="MeshOptions.ConnectionsPerPeer"/> links (usually one) to every discovered peer: connects
/// with jittered exponential backoff, re-links when a link closes, follows readiness changes, and drains links
/// to peers that left (in-flight calls finish, new calls go elsewhere). A peer's links share its balancing
/// statistics, so the balancer sees the peer once.
/// </summary>
internal sealed class PeerLinks(MeshOptions options, PeerDirectory directory, HelloMessage hello, Balancer balancer, ClientLinkFactory links, ILogger<PeerLinks> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Slot> _slots = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly LogFolder _refused = new(TimeSpan.FromSeconds(10));

    /// <summary>Reconciles the links with the latest set of peers from discovery.</summary>
    public void Apply(IReadOnlyList<DiscoveredPeer> peers)
    {
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            var wanted = peers.DistinctBy(p => p.Address).ToDictionary(p => p.Address);
            foreach (var (address, slot) in _slots.ToList())
            {
                if (!wanted.ContainsKey(address))
                {
                    _slots.Remove(address);
                    slot.Leave();
                }
            }

            foreach (var (address, peer) in wanted)
            {
                if (_slots.TryGetValue(address, out var slot))
                {
                    slot.Update(peer, directory);
                }
                else
                {
                    slot = new Slot(peer, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token), options.ConnectionsPerPeer);
                    _slots.Add(address, slot);
                    slot.Loop = Task.WhenAll(Enumerable.Range(0, options.ConnectionsPerPeer).Select(connection => MaintainAsync(slot, connection)));
                }
            }
        }
    }

    /// <summary>
    /// Sends no new calls, lets calls in flight complete within <paramref name="grace"/>, then closes every link.
    /// </summary>
    public async Task StopAsync(CancellationToken grace)
    {
        Slot[] slots;
        lock (_gate)
        {
            _stopping.Cancel();
            slots = [.. _slots.Values];
            _slots.Clear();
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

        _stopping.Dispose();
    }

    private async Task MaintainAsync(Slot slot, int connection)
    {
        var leaving = slot.Leaving.Token;
        var failures = 0;
        while (!leaving.IsCancellationRequested)
        {
            ClientLink? link = null;
            try
            {
                link = await ConnectAsync(slot, leaving).ConfigureAwait(false);
                failures = 0;
                slot.Links[connection] = link;
                link.Draining += directory.Remove;
                directory.Add(link, slot.Peer.IsReady);
                MeshLog.PeerLinked(logger, link.PeerNodeId, link.RemoteEndPoint, link.PeerIdentity ?? "none: plaintext", string.Join(", ", link.Remote!.Services.Select(s => s.Name)));
                await Task.WhenAny(link.Closed, Task.Delay(Timeout.Infinite, leaving)).ConfigureAwait(false);
                if (leaving.IsCancellationRequested)
                {
                    // The peer left the set (or this node stops): no new calls; close once in-flight calls complete.
                    directory.Remove(link);
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
                links.OnFailed(slot.Peer.Address, ex);
                var delay = Backoff.Jittered(failures, options.ReconnectMinBackoff, options.ReconnectMaxBackoff);
                if (ex is ProtocolException or System.Security.Authentication.AuthenticationException && _refused.ShouldLog(slot.Peer.Address, out var folded))
                {
                    // The peer answered but refused this node (other mesh, other protocol version): an operator must act.
                    MeshLog.LinkRefusedByPeer(logger, slot.Peer.Address, failures, (long)delay.TotalMilliseconds, ex.Message, folded);
                }
                else
                {
                    MeshLog.ConnectFailed(logger, slot.Peer.Address, failures, (long)delay.TotalMilliseconds, ex.Message);
                }

                await Backoff.DelayAsync(delay, leaving).ConfigureAwait(false);
                continue;
            }
            finally
            {
                if (link is not null)
                {
                    directory.Remove(link);
                    slot.Links[connection] = null;
                    MeshLog.PeerUnlinked(logger, link.Remote?.NodeId, link.RemoteEndPoint);
                    await link.DisposeAsync().ConfigureAwait(false);
                    slot.ReleaseStats();
                }
            }

            // The link closed (the peer stopped or drained): reconnect after a short, jittered pause.
            await Backoff.DelayAsync(Backoff.Jittered(1, options.ReconnectMinBackoff, options.ReconnectMaxBackoff), leaving).ConfigureAwait(false);
        }
    }

    private async Task<ClientLink> ConnectAsync(Slot slot, CancellationToken cancellationToken)
    {
        var peer = slot.Peer;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
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

        var link = links.Create(socket, slot.StatsFor(balancer));
        try
        {
            await links.SecureAsync(link, options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            var remote = await link.HandshakeAsync(hello, options.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            if (remote.MeshName != options.MeshName)
            {
                throw new ProtocolException($"the peer belongs to mesh '{remote.MeshName}', this node to '{options.MeshName}'");
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

        links.OnLinked(link);
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
