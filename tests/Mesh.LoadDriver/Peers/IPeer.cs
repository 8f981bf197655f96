namespace Mesh.LoadDriver.Peers;

/// <summary>One system under test: a server that answers Ping(int) -> int, and a client that calls it.</summary>
internal interface IPeer
{
    /// <summary>The name used on the command line and in the table.</summary>
    string Name { get; }

    /// <summary>How the peer is configured (printed in the driver's header; see the driver's README).</summary>
    string Configuration { get; }

    /// <summary>Starts the server on 127.0.0.1 and returns the address a client connects to.</summary>
    Task<IAsyncDisposable> StartServerAsync(Action<string> ready);

    /// <summary>Connects a client over one connection to the server at <paramref name="address"/>.</summary>
    Task<IPingClient> ConnectAsync(string address);
}

/// <summary>A connected client.</summary>
internal interface IPingClient : IAsyncDisposable
{
    /// <summary>One call; <paramref name="worker"/> identifies the caller (Orleans uses it as the grain key).</summary>
    ValueTask<int> PingAsync(int worker, int value);
}

/// <summary>The peers the driver knows, in the order it runs them.</summary>
internal static class Peers
{
    public static readonly IPeer[] All = [new FloorPeer(), new MeshPeer(tls: false), new MeshPeer(tls: true), new GrpcPeer(tls: false), new GrpcPeer(tls: true), new OrleansPeer()];

    public static IPeer Find(string name)
        => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
           ?? throw new ArgumentException($"unknown peer '{name}'; use one of {string.Join(", ", All.Select(p => p.Name))}");
}
