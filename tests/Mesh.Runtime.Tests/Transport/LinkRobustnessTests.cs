using System.Net;
using System.Net.Sockets;
using Mesh.Invocation;
using Mesh.Runtime.Tests.TestServices;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Transport;

public sealed class LinkRobustnessTests
{
    [Fact]
    public async Task Accept_GarbageBeforeHandshake_ClosesThatLinkOnly()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        using var raw = await RawPeer.ConnectAsync(cluster.Servers[0].EndPoint);

        await raw.SendAsync("GET / HTTP/1.1\r\nHost: mesh\r\n\r\n"u8.ToArray());
        await raw.WaitForCloseAsync();

        var reply = await cluster.ClientService<ITestService>().Echo(7).WaitAsync(TestCluster.Bound);
        Assert.Equal(7, reply.Value);
    }

    [Fact]
    public async Task Serve_UnknownFrameKindAfterHandshake_ClosesThatLinkOnly()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        using var raw = await RawPeer.ConnectAsync(cluster.Servers[0].EndPoint);
        await raw.SendAsync(RawPeer.PrefaceAndHello(new HelloMessage("raw", "mesh", [])));
        var hello = await raw.ReadHelloAsync();
        Assert.Equal("node-1", hello.NodeId);

        var frame = new byte[FrameHeader.Size];
        new FrameHeader(0, FrameKind.Hello, 0, 0).Write(frame);
        frame[4] = 42;
        await raw.SendAsync(frame);
        await raw.WaitForCloseAsync();

        var reply = await cluster.ClientService<ITestService>().Echo(8).WaitAsync(TestCluster.Bound);
        Assert.Equal(8, reply.Value);
    }

    [Fact]
    public async Task Accept_OtherMeshName_RefusesTheLinkWithoutSayingAnything()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        using var raw = await RawPeer.ConnectAsync(cluster.Servers[0].EndPoint);

        await raw.SendAsync(RawPeer.PrefaceAndHello(new HelloMessage("raw", "another-mesh", [])));

        // Not a byte of the node's id, services or method ids reaches a peer of another mesh.
        Assert.Equal(0, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task Accept_PeerThatNeverSendsItsHello_LearnsNothingAndIsClosed()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.HandshakeTimeout = TimeSpan.FromMilliseconds(300)));
        using var raw = await RawPeer.ConnectAsync(cluster.Servers[0].EndPoint);

        Assert.Equal(0, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task Call_ArgumentsOverMaxFrameSize_FailOnTheCallerBeforeSending()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1, configureClient: o => o.MaxFrameSize = 4096);
        var service = cluster.ClientService<ITestService>();

        var ex = await Assert.ThrowsAsync<PayloadTooLargeException>(() => service.Fail(new string('x', 10_000)).WaitAsync(TestCluster.Bound));

        Assert.Contains("MeshOptions.MaxFrameSize", ex.Message, StringComparison.Ordinal);
        Assert.Equal(5, await service.Add(2, 3).AsTask().WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task Call_LinkDropsWhileInFlight_PeerUnavailableException()
    {
        using var peer = new FakeServicePeer();
        var fakeServer = Task.Run(async () =>
        {
            using var raw = await peer.AcceptAsync("fake");
            var (header, _) = await raw.ReadCallFrameAsync();
            Assert.Equal(FrameKind.Request, header.Kind);
            // Drop the link with the call in flight.
        });
        using var client = await peer.StartClientAsync();

        var ex = await Assert.ThrowsAsync<PeerUnavailableException>(() => client.Services.GetRequiredService<ITestService>().Echo(1).WaitAsync(TestCluster.Bound));

        Assert.Contains("fake", ex.Message, StringComparison.Ordinal);
        await fakeServer.WaitAsync(TestCluster.Bound);
        await client.StopAsync().WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Call_ServerStopsItAtTheCarriedDeadline_DeadlineExceededException()
    {
        using var peer = new FakeServicePeer();
        var fakeServer = Task.Run(async () =>
        {
            using var raw = await peer.AcceptAsync("fake");
            var (header, _) = await raw.ReadCallFrameAsync();
            Assert.Equal(FrameKind.Request, header.Kind);

            // The server's deadline timer fired before the caller's: it answers "cancelled".
            using var error = new PooledBufferWriter();
            new ErrorMessage(ErrorCode.Cancelled, typeof(OperationCanceledException).FullName!, "deadline").WriteFrame(error, header.CallId);
            await raw.SendAsync(error.WrittenSpan.ToArray());
            await raw.WaitForCloseAsync();
        });
        using var client = await peer.StartClientAsync();

        await Assert.ThrowsAsync<DeadlineExceededException>(() => client.Services.GetRequiredService<ITestService>().Echo(1).WaitAsync(TestCluster.Bound));

        await client.StopAsync().WaitAsync(TestCluster.Bound);
        await fakeServer.WaitAsync(TestCluster.Bound);
    }
}
