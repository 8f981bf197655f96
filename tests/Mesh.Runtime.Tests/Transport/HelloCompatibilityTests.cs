using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Mesh.Calls;
using Mesh.Invocation;
using Mesh.Runtime.Tests.TestServices;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>
/// Each side announces its <see cref="MeshOptions.MaxFrameSize"/> in the hello frame's call-id field, read only from a
/// peer whose preface offers <see cref="Protocol.FrameSizeInHelloFeature"/>; the hello's payload is unchanged. Nodes of
/// the builds before it (preface features 1, call id 0, which they never read) link with new ones both ways, checked
/// here at the byte level with hand-written old frames.
/// </summary>
public sealed class HelloCompatibilityTests
{
    private const ushort OldFeatures = 1;

    [Fact]
    public async Task Accept_OldCallersHello_LinksAndItsCallsAreAnswered()
    {
        await using var node = await TestNode.StartAsync("node-1");
        using var raw = await RawPeer.ConnectAsync(node.EndPoint);

        await raw.SendAsync(OldPrefaceAndHello(new HelloMessage("old-caller", "mesh", [])));
        var (header, hello) = await ReadPrefaceAndHelloAsync(raw);

        // The new node's hello parses as an old build parses it (the payload is unchanged; old builds ignore the call id).
        Assert.Equal("node-1", hello.NodeId);
        Assert.Equal(4 * 1024 * 1024, header.CallId);
        var ping = new byte[FrameHeader.Size];
        new FrameHeader(0, FrameKind.Ping, 0, 5).Write(ping);
        await raw.SendAsync(ping);
        while (true)
        {
            var (frame, _) = await raw.ReadFrameAsync();
            if (frame.Kind == FrameKind.Pong)
            {
                Assert.Equal(5, frame.CallId);
                break;
            }
        }
    }

    [Fact]
    public async Task Connect_NewCallerToOldAcceptor_LinksWithoutAnAnnouncedLimit()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = await StartClientAsync((IPEndPoint)listener.LocalEndPoint!, maxFrameSize: 65536);

        using var accepted = new RawPeer(await listener.AcceptAsync().WaitAsync(TestCluster.Bound));
        var (header, hello) = await ReadPrefaceAndHelloAsync(accepted);
        Assert.StartsWith("client-", hello.NodeId, StringComparison.Ordinal);
        Assert.Equal(65536, header.CallId);

        // An old acceptor answers with features 1 and a call id of 0.
        var method = MeshServiceRegistry.Get<ITestService>();
        await accepted.SendAsync(OldPrefaceAndHello(new HelloMessage("old-node", "mesh", [new HostedServiceInfo(method.Name, [.. method.Methods.Select(m => m.Id)])])));

        var node = client.Services.GetRequiredService<IMeshNode>();
        await node.WaitForPeersAsync(TestCluster.ServiceName, 1, CancellationToken.None).WaitAsync(TestCluster.Bound);
        var link = Assert.Single(client.Services.GetRequiredService<PeerDirectory>().Links);
        Assert.Equal("old-node", link.PeerNodeId);
        Assert.Null(link.RemoteMaxFrameSize);
    }

    [Fact]
    public async Task Connect_NewNodes_EachKnowsTheOthersLimit()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureClient: o => o.MaxFrameSize = 65536,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxFrameSize = 1024 * 1024));

        Assert.Equal(1024 * 1024, Assert.Single(cluster.ClientService<PeerDirectory>().Links).RemoteMaxFrameSize);
    }

    [Fact]
    public async Task Text_ResultOverTheCallersAnnouncedLimit_ThatCallFailsAndTheLinkLives()
    {
        // The server's own limit (4 MiB) would let the 100 KB result through; the caller's (64 KiB) does not.
        await using var cluster = await TestCluster.StartAsync(servers: 1, configureClient: o => o.MaxFrameSize = 65536);
        var service = cluster.ClientService<ITestService>();
        var link = Assert.Single(cluster.ClientService<PeerDirectory>().Links);

        var ex = await Assert.ThrowsAsync<PayloadTooLargeException>(() => service.Text(100_000).AsTask().WaitAsync(TestCluster.Bound));

        Assert.Contains("of its caller", ex.Message, StringComparison.Ordinal);
        Assert.Equal(60_000, (await service.Text(60_000).AsTask().WaitAsync(TestCluster.Bound)).Length);
        Assert.Same(link, Assert.Single(cluster.ClientService<PeerDirectory>().Links));
        Assert.False(link.IsClosing);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(512L * 1024 * 1024)]
    public async Task Accept_HelloAnnouncingAnImpossibleLimit_RefusedWithoutAWord(long announced)
    {
        await using var node = await TestNode.StartAsync("node-1");
        using var raw = await RawPeer.ConnectAsync(node.EndPoint);
        var bytes = RawPeer.PrefaceAndHello(new HelloMessage("caller", "mesh", []));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(Protocol.PrefaceSize + 8), announced);

        await raw.SendAsync(bytes);

        Assert.Equal(0, await raw.WaitForCloseAsync());
    }

    /// <summary>A preface and hello exactly as builds before <see cref="Protocol.FrameSizeInHelloFeature"/> wrote them.</summary>
    private static byte[] OldPrefaceAndHello(HelloMessage hello)
    {
        var bytes = RawPeer.PrefaceAndHello(hello);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), OldFeatures);
        Assert.Equal(0, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(Protocol.PrefaceSize + 8)));
        return bytes;
    }

    private static async Task<(FrameHeader Header, HelloMessage Hello)> ReadPrefaceAndHelloAsync(RawPeer raw)
    {
        var preface = await raw.ReadBytesAsync(Protocol.PrefaceSize);
        Assert.NotEqual(0, Protocol.ValidatePreface(preface) & Protocol.FrameSizeInHelloFeature);
        var (header, payload) = await raw.ReadFrameAsync();
        Assert.Equal(FrameKind.Hello, header.Kind);
        return (header, HelloMessage.Read(new ReadOnlySequence<byte>(payload)));
    }

    private static async Task<IHost> StartClientAsync(IPEndPoint peer, int maxFrameSize)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTestMesh(o =>
            {
                o.NodeId = "client-" + Guid.NewGuid().ToString("N")[..6];
                o.MaxFrameSize = maxFrameSize;
            })
            .UseStaticPeers(peer.ToString())
            .AddClient<ITestService>();
        var host = builder.Build();
        await host.StartAsync().WaitAsync(TestCluster.Bound);
        return host;
    }
}
