using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Mesh.Balancing;
using Mesh.Calls;
using Mesh.Diagnostics;
using Mesh.Dispatch;
using Mesh.Load;
using Mesh.Membership;
using Mesh.Serialization;
using Mesh.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Hosting;

/// <summary>
/// A running node: accepts links and serves hosted services, keeps one link to every peer, and drains
/// cleanly on stop (tells peers, finishes running calls within the grace period, then closes).
/// </summary>
internal sealed class MeshNode : IMeshNode, IAsyncDisposable
{
    private readonly MeshOptions _options;
    private readonly PeerDirectory _directory;
    private readonly IPeerDiscovery _discovery;
    private readonly PeerLinks _links;
    private readonly ServerState _server;
    private static readonly TimeSpan ServiceTimeDecay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan DiscoveryMinBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DiscoveryMaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>How long the errors of streams interrupted at the end of the grace period get to reach their callers.</summary>
    private static readonly TimeSpan StreamInterruptFlush = TimeSpan.FromSeconds(1);
    private readonly HelloMessage _hello;
    private readonly ILogger<MeshNode> _logger;
    private readonly ILogger<ServerConnection> _serverLogger;
    private readonly LinkSettings _linkSettings;
    private readonly MeshMetrics _metrics;
    private readonly LinkTls? _tls;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<ServerConnection> _serverConnections = [];
    private readonly Dictionary<IPAddress, int> _connectionsByAddress = [];
    private readonly LogFolder _refusals = new(TimeSpan.FromSeconds(10));
    private int _pendingHandshakes;
    private readonly List<Task> _loops = [];
    private Socket? _listener;
    private int _phase = (int)MeshNodeState.Starting;
    private int _stopRequested;
    private volatile string? _discoveryFailure;

    public MeshNode(
        IOptions<MeshOptions> options,
        MeshServiceRegistrations registrations,
        IServiceProvider services,
        IPayloadSerializer serializer,
        PeerDirectory directory,
        IPeerDiscovery discovery,
        Balancer balancer,
        MeshMetrics metrics,
        ILoggerFactory loggerFactory)
    {
        _discovery = discovery;
        _options = options.Value;
        _directory = directory;
        _logger = loggerFactory.CreateLogger<MeshNode>();
        _serverLogger = loggerFactory.CreateLogger<ServerConnection>();
        _linkSettings = LinkSettings.From(_options);
        _metrics = metrics;
        _tls = LinkTls.From(_options.Tls);
        var catalog = new ServiceCatalog(registrations.Create(services));
        _time = balancer.Time;
        var load = new NodeLoadMonitor(_time, new ProcessLoadSource(_time), ServiceTimeDecay) { ConcurrencyLimit = _options.MaxConcurrentCalls };
        _server = new ServerState(catalog, serializer, _options, load, metrics, loggerFactory.CreateLogger<ServerState>());
        _hello = new HelloMessage(_options.NodeId, _options.MeshName, [.. catalog.Services.Select(s => s.Info)]);
        Local = _options.LocalCalls == LocalCallMode.ShortCircuit ? new LocalCalls(_server) : null;
        var clientLinks = new ClientLinkFactory(_linkSettings, _tls, metrics, directory, loggerFactory.CreateLogger<ClientLink>(), _options.NodeId, Local);
        _links = new PeerLinks(_options, directory, _hello, balancer, clientLinks, registrations.CalledServices, registrations.KeyedServices, IsSelf, loggerFactory.CreateLogger<PeerLinks>());
        ObservePeers(metrics);
    }

    public string NodeId => _options.NodeId;

    /// <summary>The node's outgoing links (which peers it keeps links to, and its apertures).</summary>
    internal PeerLinks Links => _links;

    /// <summary>Runs the calls this node makes to itself, when <see cref="MeshOptions.LocalCalls"/> says so.</summary>
    internal LocalCalls? Local { get; }

    public IPEndPoint? ListenEndPoint { get; private set; }

    public IReadOnlyList<MeshPeer> Peers
        => [.. _directory.Links.Select(link => new MeshPeer(
            link.PeerNodeId,
            link.RemoteEndPoint,
            [.. link.Remote!.Services.Select(s => s.Name)],
            link.Stats.IsReady))];

    public IReadOnlyList<MeshPeerStatistics> GetPeerStatistics()
    {
        var now = _time.GetTimestamp();
        return [.. _directory.Links.Select(link =>
        {
            var stats = link.Stats;
            var latency = stats.LatencyMs(now);
            return new MeshPeerStatistics(
                link.PeerNodeId,
                link.RemoteEndPoint,
                stats.IsReady,
                stats.IsDraining,
                stats.SlowStartFactor(now),
                stats.Outstanding,
                double.IsNaN(latency) ? null : latency,
                stats.Samples,
                stats.RefusedTotal,
                stats.HasReport ? stats.ReportedLoad : null,
                stats.HasReport ? stats.ReportAgeMs(now) : null,
                link.PeerIdentity);
        })];
    }

    public MeshNodeState State => (MeshNodeState)Volatile.Read(ref _phase);

    public bool IsReady => State == MeshNodeState.Running && TlsFailure is null;

    public string? TlsFailure => _tls?.Problem(_time.GetUtcNow());

    public string? DiscoveryFailure => _discoveryFailure;

    public Task WaitForPeersAsync(Func<IReadOnlyList<MeshPeer>, bool> predicate, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return _directory.WaitAsync(_ => predicate(Peers), cancellationToken);
    }

    public Task WaitForPeersAsync(string serviceName, int count, CancellationToken cancellationToken)
    {
        var serviceId = StableHash.Compute(serviceName);
        return _directory.WaitAsync(
            links => links.Count(link => link.Remote!.Services.Any(s => s.Id == serviceId)) >= count,
            cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (State != MeshNodeState.Starting)
        {
            throw new InvalidOperationException("The Mesh node was already started.");
        }

        if (_options.ListenEndpoint is { } listen)
        {
            var endPoint = IPEndPoint.Parse(listen);
            var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (endPoint.Address.Equals(IPAddress.IPv6Any))
                {
                    // [::] takes IPv4 links too, so a dual-stack peer reaches it whichever address it was given.
                    listener.DualMode = true;
                }

                listener.Bind(endPoint);
                listener.Listen(512);
            }
            catch (SocketException ex)
            {
                listener.Dispose();
                throw new InvalidOperationException($"MeshOptions.ListenEndpoint '{listen}' cannot be bound: {ex.Message}", ex);
            }

            _listener = listener;
            ListenEndPoint = (IPEndPoint)listener.LocalEndPoint!;
            _loops.Add(AcceptLoopAsync(listener));
            _loops.Add(LoadBroadcaster.RunAsync(_server.Load, ServingLinks, _options.LoadReportInterval, _time, _stopping.Token));
        }

        _loops.Add(DiscoverAsync());
        if (Interlocked.CompareExchange(ref _phase, (int)MeshNodeState.Running, (int)MeshNodeState.Starting) != (int)MeshNodeState.Starting)
        {
            throw new InvalidOperationException("The Mesh node was already started.");
        }

        MeshLog.NodeStarted(_logger, NodeId, ListenEndPoint, _options.MeshName, string.Join(", ", _server.Catalog.Services.Select(s => s.Name)));
        if (TlsFailure is { } tlsFailure)
        {
            MeshLog.TlsUnusable(_logger, tlsFailure);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (State == MeshNodeState.Starting || Interlocked.Exchange(ref _stopRequested, 1) != 0)
        {
            return;
        }

        // 1. Stop taking links and tell every caller to send no new calls (already done if the host
        //    signalled ApplicationStopping first).
        BeginDrain();
        ServerConnection[] serving;
        lock (_gate)
        {
            serving = [.. _serverConnections];
        }

        // 2. Let running calls finish; callers close their links once their last call has completed.
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(_options.ShutdownGracePeriod);
        await WhenAll(serving.Select(c => c.Closed), grace.Token).ConfigureAwait(false);

        // 2b. Streams still open end with a typed error that tells their callers to reopen them elsewhere; the errors
        //     get a moment to leave before the links are cut (callers close a drained link once its calls have ended).
        var interrupted = 0;
        foreach (var connection in serving)
        {
            interrupted += connection.InterruptStreams();
        }

        if (interrupted > 0)
        {
            MeshLog.StreamsInterrupted(_logger, NodeId, interrupted);
            using var flush = new CancellationTokenSource(StreamInterruptFlush);
            await WhenAll(serving.Select(c => c.Closed), flush.Token).ConfigureAwait(false);
        }

        // 3. Our own calls: no new ones; links close once the calls in flight on them complete.
        _stopping.Cancel();
        await _links.StopAsync(grace.Token).ConfigureAwait(false);

        // 4. Whatever is left past the grace period is cut.
        lock (_gate)
        {
            serving = [.. _serverConnections];
        }

        foreach (var connection in serving)
        {
            connection.Abort("the node stopped before the caller closed the link");
        }

        await Task.WhenAll(_loops).ConfigureAwait(false);
        Volatile.Write(ref _phase, (int)MeshNodeState.Stopped);
        MeshLog.NodeStopped(_logger, NodeId, _server.Running);
    }

    /// <summary>
    /// Starts draining at once: readiness turns false, no new links are accepted, and every caller linked to
    /// this node is told (go-away) to send no new calls, before the orchestrator's endpoint change reaches
    /// them. Calls in flight keep running. Idempotent; <see cref="StopAsync"/> then waits for them.
    /// </summary>
    public void BeginDrain()
    {
        // The node's phase is the one record of the drain: only a running node starts draining, once.
        if (Interlocked.CompareExchange(ref _phase, (int)MeshNodeState.Draining, (int)MeshNodeState.Running) != (int)MeshNodeState.Running)
        {
            return;
        }

        _listener?.Dispose();
        _server.BeginDrain();
        ServerConnection[] serving;
        lock (_gate)
        {
            serving = [.. _serverConnections];
        }

        MeshLog.NodeDraining(_logger, NodeId, _server.Running, (long)_options.ShutdownGracePeriod.TotalMilliseconds);
        foreach (var connection in serving)
        {
            connection.SendGoAway();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (State is MeshNodeState.Running or MeshNodeState.Draining)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    /// <summary>
    /// The balancer's view as observable instruments, read when a listener collects: per peer (<c>mesh.peer</c>) the
    /// caller's outstanding calls, its latency estimate, the peer's last report's load and age, and whether it takes
    /// new calls; and whether this node is draining.
    /// </summary>
    private void ObservePeers(MeshMetrics metrics)
    {
        var meter = metrics.Meter;
        meter.CreateObservableGauge("mesh.peer.outstanding", () => PeerMeasurements(s => s.Outstanding), "{call}", "Calls this node has in flight to each peer.");
        meter.CreateObservableGauge("mesh.peer.latency", () => PeerMeasurements(s => s.LatencyMs(_time.GetTimestamp()) / 1000), "s", "The balancer's peak-EWMA latency estimate of each peer.");
        meter.CreateObservableGauge("mesh.peer.load", () => PeerMeasurements(s => s.HasReport ? s.ReportedLoad : double.NaN), "{call}", "Calls each peer said it holds (executing and queued) in its latest load report.");
        meter.CreateObservableGauge("mesh.peer.report_age", () => PeerMeasurements(s => s.ReportAgeMs(_time.GetTimestamp()) / 1000), "s", "Age of each peer's latest load report.");
        meter.CreateObservableGauge("mesh.peer.available", () => PeerMeasurements(s => s.IsAvailable ? 1 : 0), "1", "1 while a peer takes new calls (ready and not draining), else 0.");
        meter.CreateObservableGauge("mesh.node.draining", () => State == MeshNodeState.Draining ? 1 : 0, "1", "1 while this node drains.");
    }

    private IEnumerable<Measurement<double>> PeerMeasurements(Func<PeerStats, double> read)
    {
        foreach (var link in _directory.Links)
        {
            var value = read(link.Stats);
            if (double.IsFinite(value))
            {
                yield return new Measurement<double>(value, new KeyValuePair<string, object?>("mesh.peer", link.PeerNodeId));
            }
        }
    }

    private IReadOnlyList<Connection> ServingLinks()
    {
        lock (_gate)
        {
            return _serverConnections.Count == 0 ? [] : [.. _serverConnections];
        }
    }

    private static async Task WhenAll(IEnumerable<Task> tasks, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(tasks).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The grace period is over; the caller cuts what is left.
        }
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.Interrupted })
            {
                return;
            }
            catch (SocketException ex)
            {
                MeshLog.AcceptFailed(_logger, ex);
                continue;
            }

            var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
            if (Admit(address) is { } refusal)
            {
                socket.Dispose();
                _metrics.RecordLinkFailure("server", "limit");
                if (_refusals.ShouldLog("limit " + address, out var folded))
                {
                    MeshLog.ConnectionLimited(_logger, address.ToString(), refusal, folded);
                }

                continue;
            }

            _ = ServeAsync(socket, address);
        }
    }

    /// <summary>Counts a new connection from <paramref name="address"/> against the limits, or says which it breaks.</summary>
    private string? Admit(IPAddress address)
    {
        lock (_gate)
        {
            if (_serverConnections.Count >= _options.MaxConnections)
            {
                return $"this node has {_serverConnections.Count} links, its MeshOptions.MaxConnections";
            }

            if (_pendingHandshakes >= _options.MaxPendingHandshakes)
            {
                return $"{_pendingHandshakes} connections are in their handshake, MeshOptions.MaxPendingHandshakes";
            }

            var fromAddress = _connectionsByAddress.GetValueOrDefault(address);
            if (fromAddress >= _options.MaxConnectionsPerAddress)
            {
                return $"the address has {fromAddress} links, MeshOptions.MaxConnectionsPerAddress";
            }

            _connectionsByAddress[address] = fromAddress + 1;
            _pendingHandshakes++;
            return null;
        }
    }

    private async Task ServeAsync(Socket socket, IPAddress address)
    {
        var connection = new ServerConnection(socket, _server, _linkSettings, _metrics, _serverLogger);
        lock (_gate)
        {
            _serverConnections.Add(connection);
        }

        var handshaking = true;
        try
        {
            // With TLS the peer proves who it is before anything else; then it presents itself first, and only a
            // peer of this mesh learns this node's id and services.
            // The timeout adds this process's own recent lag: a starved node does not blame (and drop) its callers.
            var handshakeTimeout = _options.HandshakeTimeout + LocalLag.Recent;
            if (_tls is not null)
            {
                await connection.SecureAsync(_tls, asServer: true, handshakeTimeout, _stopping.Token).ConfigureAwait(false);
            }

            await connection.AcceptHandshakeAsync(_hello, CheckMesh, handshakeTimeout, _stopping.Token).ConfigureAwait(false);
            EndHandshake(ref handshaking);
            connection.OnAccepted();
            connection.Start();
            if (_server.IsDraining)
            {
                connection.SendGoAway();
            }

            await connection.Closed.ConfigureAwait(false);
        }
        catch (Exception ex) when (LinkFailure.IsLinkFailure(ex))
        {
            _metrics.RecordLinkFailure("server", LinkFailure.Reason(ex));
            if (_refusals.ShouldLog("handshake " + address, out var folded))
            {
                MeshLog.HandshakeRefused(_logger, connection.RemoteEndPoint, ex.Message, folded);
            }
        }
        finally
        {
            EndHandshake(ref handshaking);
            lock (_gate)
            {
                _serverConnections.Remove(connection);
                if (_connectionsByAddress.TryGetValue(address, out var count))
                {
                    if (count <= 1)
                    {
                        _connectionsByAddress.Remove(address);
                    }
                    else
                    {
                        _connectionsByAddress[address] = count - 1;
                    }
                }
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void CheckMesh(HelloMessage remote)
    {
        if (remote.MeshName != _options.MeshName)
        {
            throw new ProtocolException($"the peer belongs to mesh '{remote.MeshName}', this node to '{_options.MeshName}'");
        }
    }

    private void EndHandshake(ref bool handshaking)
    {
        if (handshaking)
        {
            handshaking = false;
            lock (_gate)
            {
                _pendingHandshakes--;
            }
        }
    }

    /// <summary>
    /// Whether discovery's <paramref name="peer"/> is this node: its port is the one this node listens on, at the
    /// address it listens on or, when it listens on every address, at one of this machine's addresses.
    /// </summary>
    private bool IsSelf(DiscoveredPeer peer)
    {
        if (ListenEndPoint is not { } listen || peer.Port != listen.Port || !IPAddress.TryParse(peer.Host, out var address))
        {
            return false;
        }

        if (!listen.Address.Equals(IPAddress.Any) && !listen.Address.Equals(IPAddress.IPv6Any))
        {
            return Normalize(listen.Address).Equals(Normalize(address));
        }

        return IPAddress.IsLoopback(address) || LocalAddresses.Value.Contains(Normalize(address));
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static readonly Lazy<HashSet<IPAddress>> LocalAddresses = new(() =>
    {
        try
        {
            return [.. System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
                .Select(unicast => Normalize(unicast.Address))];
        }
        catch (System.Net.NetworkInformation.NetworkInformationException)
        {
            return [];
        }
    });

    /// <summary>Follows discovery; on failure keeps the last known peers and retries with backoff.</summary>
    private async Task DiscoverAsync()
    {
        var stopping = _stopping.Token;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await foreach (var peers in _discovery.WatchAsync(stopping).ConfigureAwait(false))
                {
                    failures = 0;
                    if (_discoveryFailure is not null)
                    {
                        _discoveryFailure = null;
                        MeshLog.DiscoveryRecovered(_logger, peers.Count);
                    }

                    // A node links only to peers hosting services it calls: one that registered no client links to
                    // nobody (discovery still runs, so its health reports a failing API).
                    _links.Apply(peers);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                failures++;
                _discoveryFailure = ex.Message;
                MeshLog.DiscoveryFailed(_logger, ex, failures);
            }

            // 200 ms after the first failure, doubling up to 5 s.
            await Backoff.DelayAsync(Backoff.Jittered(failures + 1, DiscoveryMinBackoff, DiscoveryMaxBackoff), stopping).ConfigureAwait(false);
        }
    }
}
