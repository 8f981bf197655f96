using Mesh.Calls;
using Mesh.Runtime.Tests.TestServices;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>
/// Idle links go quiet (the watchdog visits them only when their heartbeat is due), and whatever the link does next
/// wakes it: a call sent on a quiet link still fails at its deadline, and a quiet link still pings.
/// </summary>
public sealed class QuietLinkTests
{
    [Fact]
    public async Task QuietLink_CallSentThatIsNeverAnswered_FailsAtItsDeadline()
    {
        using var peer = new FakeServicePeer();
        using var silent = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            // Reads nothing and answers nothing: only the caller's own deadline sweep can end the call.
            using var raw = await peer.AcceptAsync("silent");
            await Task.Delay(Timeout.Infinite, silent.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        using var client = await peer.StartClientAsync(o =>
        {
            // Heartbeats far apart: a quiet link that a call did not wake would be visited again only in minutes.
            o.HeartbeatInterval = TimeSpan.FromMinutes(5);
            o.HeartbeatTimeout = TimeSpan.FromMinutes(10);
            o.DefaultDeadline = TimeSpan.FromMilliseconds(300);
        });
        try
        {
            var link = client.Services.GetRequiredService<PeerDirectory>().Links.Single();
            await Eventually(() => link.IsQuiet);

            var service = client.Services.GetRequiredService<ITestService>();
            await Assert.ThrowsAsync<DeadlineExceededException>(() => service.Echo(1).WaitAsync(TestCluster.Bound));
            await Assert.ThrowsAsync<DeadlineExceededException>(() => service.Echo(2).WaitAsync(TestCluster.Bound));
        }
        finally
        {
            await silent.CancelAsync();
            await server.WaitAsync(TestCluster.Bound);
            await client.StopAsync().WaitAsync(TestCluster.Bound);
        }
    }

    [Fact]
    public async Task QuietLink_NothingButHeartbeats_StillPingsAndStaysQuiet()
    {
        using var peer = new FakeServicePeer();
        var accepted = peer.AcceptAsync("answers-pings");
        using var client = await peer.StartClientAsync(o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
            o.HeartbeatTimeout = TimeSpan.FromSeconds(20);
        });
        using var raw = await accepted;
        var link = client.Services.GetRequiredService<PeerDirectory>().Links.Single();

        // The peer answers every ping; the link goes quiet, and its heartbeats (visited only when due) go on: ten pings
        // arrive after it went quiet, and answering them leaves it quiet.
        var answering = Task.Run(async () =>
        {
            var pings = 0;
            while (true)
            {
                var (header, _) = await raw.ReadFrameAsync();
                if (header.Kind != FrameKind.Ping)
                {
                    continue;
                }

                var pong = new byte[FrameHeader.Size];
                new FrameHeader(0, FrameKind.Pong, 0, header.CallId).Write(pong);
                await raw.SendAsync(pong);
                if (link.IsQuiet && ++pings == 10)
                {
                    return pings;
                }
            }
        });

        Assert.Equal(10, await answering.WaitAsync(TestCluster.Bound));
        Assert.False(link.IsClosing);
        await client.StopAsync().WaitAsync(TestCluster.Bound);
    }

    private static async Task Eventually(Func<bool> condition)
    {
        using var bound = new CancellationTokenSource(TestCluster.Bound);
        while (!condition())
        {
            await Task.Delay(5, bound.Token);
        }
    }
}
