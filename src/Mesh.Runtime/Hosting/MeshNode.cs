using System.Net;
using System.Net.Sockets;
using Mesh.Diagnostics;
using Mesh.Dispatch;
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
    private readonly ServerState _server;
    private readonly HelloMessage _hello;
    private readonly ILogger<MeshNode> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly HashSet<ServerConnection> _serverConnections = [];
    private readonly HashSet<ClientLink> _clientLinks = [];
    private readonly List<Task> _loops = [];
    private Socket? _listener;
    private int _state;

    public MeshNode(
        IOptions<MeshOptions> options,
        MeshServiceRegistrations registrations,
        IServiceProvider services,
        IPayloadSerializer serializer,
        PeerDirectory directory,
        ILogger<MeshNode> logger)
    {
        _options = options.Value;
        _directory = directory;
        _logger = logger;
        var catalog = new ServiceCatalog(registrations.Create(services));
        _server = new ServerState(catalog, serializer, _options.NodeId);
        _hello = new HelloMessage(_options.NodeId, _options.MeshName, [.. catalog.Services.Select(s => s.Info)]);
    }

    public string NodeId => _options.NodeId;

    public IPEndPoint? ListenEndPoint { get; private set; }

    public IReadOnlyList<MeshPeer> Peers
        => [.. _directory.Links.Select(link => new MeshPeer(
            link.PeerNodeId,
            link.RemoteEndPoint,
            [.. link.Remote!.Services.Select(s => s.Name)]))];

    public Task WaitForPeersAsync(string serviceName, int count, CancellationToken cancellationToken)
    {
        var serviceId = StableHash.Compute(serviceName);
        return _directory.WaitAsync(
            links => links.Count(link => link.Remote!.Services.Any(s => s.Id == serviceId)) >= count,
            cancellationToken);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("The Mesh node was already started.");
        }

        if (_options.ListenEndpoint is { } listen)
        {
            var endPoint = IPEndPoint.Parse(listen);
            var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
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
        }

        foreach (var peer in _options.StaticPeers)
        {
            StaticEndpoint.TryParse(peer, out var endpoint);
            _loops.Add(MaintainLinkAsync(endpoint!.Value));
        }

        MeshLog.NodeStarted(_logger, NodeId, ListenEndPoint, _options.MeshName, string.Join(", ", _server.Catalog.Services.Select(s => s.Name)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1)
        {
            return;
        }

        // 1. Stop taking links and tell every caller to send no new calls.
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

        // 2. Let running calls finish; callers close their links once their last call has completed.
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(_options.ShutdownGracePeriod);
        await WhenAll(serving.Select(c => c.Closed), grace.Token).ConfigureAwait(false);

        // 3. Our own calls: no new ones; close links once those in flight complete.
        _stopping.Cancel();
        ClientLink[] links;
        lock (_gate)
        {
            links = [.. _clientLinks];
        }

        foreach (var link in links)
        {
            _directory.Remove(link);
            link.BeginDrain();
        }

        await WhenAll(links.Select(l => l.Closed), grace.Token).ConfigureAwait(false);

        // 4. Whatever is left past the grace period is cut.
        lock (_gate)
        {
            serving = [.. _serverConnections];
            links = [.. _clientLinks];
        }

        foreach (var connection in serving)
        {
            connection.Abort("the node stopped before the caller closed the link");
        }

        foreach (var link in links)
        {
            link.Abort(null);
        }

        await Task.WhenAll(_loops).ConfigureAwait(false);
        MeshLog.NodeStopped(_logger, NodeId, _server.Running);
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _state) == 1)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _stopping.Dispose();
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

            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        var connection = new ServerConnection(socket, _server, _options.MaxFrameSize, _logger);
        lock (_gate)
        {
            _serverConnections.Add(connection);
        }

        try
        {
            var remote = await connection.HandshakeAsync(_hello, _options.HandshakeTimeout, _stopping.Token).ConfigureAwait(false);
            if (remote.MeshName != _options.MeshName)
            {
                throw new ProtocolException($"the peer belongs to mesh '{remote.MeshName}', this node to '{_options.MeshName}'");
            }

            connection.Start();
            if (_server.IsDraining)
            {
                connection.SendGoAway();
            }

            await connection.Closed.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ProtocolException or TimeoutException or IOException or SocketException or OperationCanceledException)
        {
            MeshLog.HandshakeRefused(_logger, connection.RemoteEndPoint, ex.Message);
        }
        finally
        {
            lock (_gate)
            {
                _serverConnections.Remove(connection);
            }

            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task MaintainLinkAsync(StaticEndpoint endpoint)
    {
        var stopping = _stopping.Token;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            ClientLink? link = null;
            try
            {
                link = await ConnectAsync(endpoint, stopping).ConfigureAwait(false);
                failures = 0;
                await link.Closed.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is ProtocolException or TimeoutException or IOException or SocketException or OperationCanceledException)
            {
                failures++;
                var delay = Backoff(failures);
                MeshLog.ConnectFailed(_logger, endpoint.ToString(), failures, (long)delay.TotalMilliseconds, ex.Message);
                await DelayAsync(delay, stopping).ConfigureAwait(false);
                continue;
            }
            finally
            {
                if (link is not null)
                {
                    _directory.Remove(link);
                    lock (_gate)
                    {
                        _clientLinks.Remove(link);
                    }

                    MeshLog.PeerUnlinked(_logger, link.Remote?.NodeId, link.RemoteEndPoint);
                    await link.DisposeAsync().ConfigureAwait(false);
                }
            }

            // The link closed (peer stopped or drained): reconnect after a short, jittered pause.
            await DelayAsync(Backoff(1), stopping).ConfigureAwait(false);
        }
    }

    private async Task<ClientLink> ConnectAsync(StaticEndpoint endpoint, CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(_options.ConnectTimeout);
        var addresses = IPAddress.TryParse(endpoint.Host, out var address)
            ? [address]
            : await Dns.GetHostAddressesAsync(endpoint.Host, timeout.Token).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        var socket = new Socket(addresses[0].AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(addresses[0], endpoint.Port, timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var link = new ClientLink(socket, _options.MaxFrameSize, _logger);
        try
        {
            var remote = await link.HandshakeAsync(_hello, _options.HandshakeTimeout, stopping).ConfigureAwait(false);
            if (remote.MeshName != _options.MeshName)
            {
                throw new ProtocolException($"the peer belongs to mesh '{remote.MeshName}', this node to '{_options.MeshName}'");
            }
        }
        catch
        {
            await link.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        link.Draining += _directory.Remove;
        lock (_gate)
        {
            _clientLinks.Add(link);
        }

        link.Start();
        _directory.Add(link);
        MeshLog.PeerLinked(_logger, link.PeerNodeId, link.RemoteEndPoint, string.Join(", ", link.Remote!.Services.Select(s => s.Name)));
        return link;
    }

    private TimeSpan Backoff(int failures)
    {
        var min = _options.ReconnectMinBackoff.TotalMilliseconds;
        var max = _options.ReconnectMaxBackoff.TotalMilliseconds;
        var exponential = Math.Min(max, min * Math.Pow(2, Math.Min(failures - 1, 20)));
        // Full jitter between half and all of the exponential delay spreads reconnect storms.
        return TimeSpan.FromMilliseconds(exponential * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
