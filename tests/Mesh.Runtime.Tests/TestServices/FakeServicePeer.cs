using System.Net;
using System.Net.Sockets;
using Mesh.Invocation;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.TestServices;

/// <summary>
/// A hand-driven "server" on 127.0.0.1 that completes the handshake advertising <see cref="ITestService"/>,
/// then does whatever the test scripts; and a client node linked only to it.
/// </summary>
internal sealed class FakeServicePeer : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public FakeServicePeer()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
    }

    public static ServiceDefinition Definition => MeshServiceRegistry.Get<ITestService>();

    /// <summary>Accepts the client's link and answers its hello as node <paramref name="nodeId"/>.</summary>
    public async Task<RawPeer> AcceptAsync(string nodeId)
    {
        var raw = new RawPeer(await _listener.AcceptAsync().WaitAsync(TestCluster.Bound));
        await raw.ReadHelloAsync();
        await raw.SendAsync(RawPeer.PrefaceAndHello(new HelloMessage(
            nodeId, "mesh", [new HostedServiceInfo(Definition.Name, [.. Definition.Methods.Select(m => m.Id)])])));
        return raw;
    }

    /// <summary>Starts a client node whose only peer is this one, and waits until it is linked.</summary>
    public async Task<IHost> StartClientAsync(Action<MeshOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTestMesh(o =>
            {
                o.NodeId = "client";
                configure?.Invoke(o);
            })
            .UseStaticPeers(_listener.LocalEndPoint!.ToString()!)
            .AddClient<ITestService>();
        var client = builder.Build();
        await client.StartAsync().WaitAsync(TestCluster.Bound);
        await client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(Definition.Name, 1, CancellationToken.None).WaitAsync(TestCluster.Bound);
        return client;
    }

    public void Dispose() => _listener.Dispose();
}
