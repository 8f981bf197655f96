using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Generators.EndToEnd.Tests.Cluster;

/// <summary>
/// Forwards TCP connections from its own endpoint on 127.0.0.1 to a target, byte for byte, and can cut every
/// connection it carries: a link failure after a request was written, as a crashed peer or network causes.
/// </summary>
internal sealed class TcpRelay : IDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;

    private TcpRelay(IPEndPoint target)
    {
        _target = target;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptLoop = AcceptAsync();
    }

    public IPEndPoint EndPoint { get; }

    public static TcpRelay Start(IPEndPoint target) => new(target);

    /// <summary>Closes every connection carried so far, abruptly; new connections are still accepted.</summary>
    public void CutAll()
    {
        foreach (var socket in _sockets.Keys)
        {
            Close(socket);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Dispose();
        CutAll();
        try
        {
            _acceptLoop.Wait(TestCluster.Bound);
        }
        catch (AggregateException)
        {
            // The accept loop ends with the listener.
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket inbound;
            try
            {
                inbound = await _listener.AcceptAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            _sockets.TryAdd(inbound, 0);
            _sockets.TryAdd(outbound, 0);
            try
            {
                await outbound.ConnectAsync(_target, _stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                Close(inbound);
                Close(outbound);
                continue;
            }

            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    break;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Cut or closed: close the other side too.
        }

        Close(from);
        Close(to);
    }

    private void Close(Socket socket)
    {
        if (_sockets.TryRemove(socket, out _))
        {
            try
            {
                // An abortive close (RST), like a peer that vanished.
                socket.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }

            socket.Dispose();
        }
    }
}
