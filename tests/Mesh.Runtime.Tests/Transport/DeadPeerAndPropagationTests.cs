using System.Net;
using System.Net.Sockets;
using Mesh.Calls;
using Mesh.Invocation;
using Mesh.Runtime.Tests.TestServices;
using Mesh.Serialization;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Transport;

public sealed class DeadPeerAndPropagationTests
{
    [Fact]
    public async Task Echo_PeerHandshakesThenGoesSilent_DeclaredDeadByHeartbeatNotByDeadline()
    {
        using var peer = new FakeServicePeer();
        using var silent = new CancellationTokenSource();
        var frozenServer = Task.Run(async () =>
        {
            using var raw = await peer.AcceptAsync("frozen");
            // Like a SIGSTOPped process: the connection stays open, nothing is read or answered.
            await Task.Delay(Timeout.Infinite, silent.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var client = await peer.StartClientAsync(o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
            o.HeartbeatTimeout = TimeSpan.FromMilliseconds(600);
            o.DefaultDeadline = TimeSpan.FromMinutes(5);
        });

        var ex = await Assert.ThrowsAsync<PeerUnavailableException>(() => client.Services.GetRequiredService<ITestService>().Echo(1).WaitAsync(TestCluster.Bound));

        Assert.Contains("frozen", ex.Message, StringComparison.Ordinal);
        Assert.Contains("HeartbeatTimeout", ex.InnerException?.Message ?? ex.Message, StringComparison.Ordinal);
        await silent.CancelAsync();
        await frozenServer.WaitAsync(TestCluster.Bound);
        await client.StopAsync().WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Block_RequestDeadlineWithoutCancelFrame_ServerStopsTheHandlerAndAnswersCancelled()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        using var raw = await HandshakenRawPeerAsync(cluster);

        await raw.SendAsync(BlockRequest(cluster, "server-deadline", callId: 5, deadlineMilliseconds: 200));

        await cluster.Servers[0].Probe.CancelledFor("server-deadline").Task.WaitAsync(TestCluster.Bound);
        var (header, payload) = await raw.ReadCallFrameAsync();
        Assert.Equal(FrameKind.Error, header.Kind);
        Assert.Equal(5, header.CallId);
        Assert.Equal(ErrorCode.Cancelled, (ErrorCode)payload[0]);
    }

    [Fact]
    public async Task Block_CancelFrame_FiresTheHandlersToken()
    {
        await using var cluster = await TestCluster.StartAsync(servers: 1);
        using var raw = await HandshakenRawPeerAsync(cluster);
        await raw.SendAsync(BlockRequest(cluster, "cancel-frame", callId: 9, deadlineMilliseconds: 0));
        await cluster.Servers[0].Probe.StartedFor("cancel-frame").Task.WaitAsync(TestCluster.Bound);

        var cancel = new byte[FrameHeader.Size];
        new FrameHeader(0, FrameKind.Cancel, 0, 9).Write(cancel);
        await raw.SendAsync(cancel);

        await cluster.Servers[0].Probe.CancelledFor("cancel-frame").Task.WaitAsync(TestCluster.Bound);
        var (header, _) = await raw.ReadCallFrameAsync();
        Assert.Equal(FrameKind.Error, header.Kind);
        Assert.Equal(9, header.CallId);
    }

    private static async Task<RawPeer> HandshakenRawPeerAsync(TestCluster cluster)
    {
        var raw = await RawPeer.ConnectAsync(cluster.Servers[0].EndPoint);
        await raw.SendAsync(RawPeer.PrefaceAndHello(new HelloMessage("raw", "mesh", [])));
        await raw.ReadHelloAsync();
        return raw;
    }

    private static byte[] BlockRequest(TestCluster cluster, string key, long callId, uint deadlineMilliseconds)
    {
        var serializer = cluster.Servers[0].Host.Services.GetRequiredService<IPayloadSerializer>();
        var method = MeshServiceRegistry.Get<ITestService>().Methods.Single(m => m.Name == nameof(ITestService.Block));
        var request = RequestBuilder.Rent(method, serializer, 4 * 1024 * 1024);
        try
        {
            request.WriteArgument(key);
            return request.Frame(callId, deadlineMilliseconds).ToArray();
        }
        finally
        {
            request.Dispose();
        }
    }
}
