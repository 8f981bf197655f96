using System.Diagnostics.Metrics;
using Mesh.Calls;
using Mesh.Invocation;
using Mesh.Runtime.Tests.TestServices;
using Mesh.Serialization;
using Xunit.Abstractions;
using Mesh.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Runtime.Tests.Transport;

/// <summary>
/// What one peer can make a node spend is bounded: its link's share of the calls, how long a call runs, how many
/// connections and handshakes it holds, how slowly it sends a frame, how large a result it gets.
/// </summary>
public sealed class LimitTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Calls_OneLinkHoldsEverySlotItCan_OtherLinksCallsStillSucceed()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxConcurrentCalls = 8));
        var server = cluster.Servers[0];

        // The attacker: another node whose calls never end, 64 of them on its one link.
        using var attacker = await TestClient.StartAsync(server);
        await attacker.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(TestCluster.ServiceName, 1, CancellationToken.None).WaitAsync(TestCluster.Bound);
        var greedy = attacker.Services.GetRequiredService<ITestService>();
        using var stop = new CancellationTokenSource();
        var held = Enumerable.Range(0, 64).Select(i => Outcome(greedy.Block("held-" + i, stop.Token))).ToList();
        for (var i = 0; i < 4; i++)
        {
            // Its share, half of MaxConcurrentCalls, runs; the rest is refused.
            await Task.WhenAny(Enumerable.Range(0, 64).Select(k => server.Probe.StartedFor("held-" + k).Task)).Unwrap().WaitAsync(TestCluster.Bound);
        }

        // Everyone else: 200 calls, 4 at a time, all answered.
        var service = cluster.ClientService<ITestService>();
        var answered = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async w =>
        {
            for (var i = 0; i < 50; i++)
            {
                if ((await service.Echo(i).WaitAsync(TestCluster.Bound)).Value == i)
                {
                    Interlocked.Increment(ref answered);
                }
            }
        }));

        Assert.True(answered >= 190, $"{answered} of 200 calls of the other link succeeded");
        await stop.CancelAsync();
        var outcomes = await Task.WhenAll(held).WaitAsync(TestCluster.Bound);
        Assert.Equal(4, outcomes.Count(o => o == "cancelled"));
        Assert.Equal(60, outcomes.Count(o => o == "refused"));
        await attacker.StopAsync().WaitAsync(TestCluster.Bound);
    }

    [Fact]
    public async Task Block_CallerCarriesAVeryLongDeadline_ServerEndsItAtMaxDeadline()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureClient: o => o.DefaultDeadline = TimeSpan.FromHours(1),
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxDeadline = TimeSpan.FromMilliseconds(300)));

        await Assert.ThrowsAsync<DeadlineExceededException>(() => cluster.ClientService<ITestService>().Block("long", CancellationToken.None).WaitAsync(TestCluster.Bound));
        await cluster.Servers[0].Probe.CancelledFor("long").Task.WaitAsync(TestCluster.Bound);
    }

    [Theory]
    [InlineData(nameof(MeshOptions.MaxConnectionsPerAddress), 3)] // the cluster's client link and two silent ones
    [InlineData(nameof(MeshOptions.MaxConnections), 3)]
    [InlineData(nameof(MeshOptions.MaxPendingHandshakes), 2)] // the two silent ones
    public async Task Accept_ConnectionPastALimit_ClosedAtOnceAndTheNodeServesOn(string limit, int value)
    {
        // The handshake timeout is longer than the test's bound: a connection closed in time was closed by the limit.
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o =>
            {
                o.HandshakeTimeout = TimeSpan.FromMinutes(2);
                _ = limit switch
                {
                    nameof(MeshOptions.MaxConnectionsPerAddress) => o.MaxConnectionsPerAddress = value,
                    nameof(MeshOptions.MaxConnections) => o.MaxConnections = value,
                    _ => o.MaxPendingHandshakes = value,
                };
            }));
        var endPoint = cluster.Servers[0].EndPoint;
        using var first = await RawPeer.ConnectAsync(endPoint);
        using var second = await RawPeer.ConnectAsync(endPoint);
        await first.SendAsync(Protocol.Magic.ToArray());
        await second.SendAsync(Protocol.Magic.ToArray());

        using var third = await RawPeer.ConnectAsync(endPoint);

        Assert.Equal(0, await third.WaitForCloseAsync());
        Assert.Equal(5, await cluster.ClientService<ITestService>().Add(2, 3).AsTask().WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task Accept_HelloLargerThanMaxHelloSize_ClosedWithoutAnAnswer()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxHelloSize = 1024));
        using var raw = await RawPeer.ConnectAsync(cluster.Servers[0].EndPoint);

        await raw.SendAsync(RawPeer.PrefaceAndHello(new HelloMessage(new string('n', 2000), "mesh", [])));

        Assert.Equal(0, await raw.WaitForCloseAsync());
    }

    [Fact]
    public async Task Link_FrameTrickledSlowerThanFrameTimeout_LinkClosed()
    {
        // Heartbeats would cut a silent peer only after a minute: the frame timeout is what closes this link.
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o =>
            {
                o.FrameTimeout = TimeSpan.FromMilliseconds(300);
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
                o.HeartbeatTimeout = TimeSpan.FromMinutes(1);
            }));
        using var raw = await RawPeer.ConnectAsync(cluster.Servers[0].EndPoint);
        await raw.SendAsync(RawPeer.PrefaceAndHello(new HelloMessage("raw", "mesh", [])));
        await raw.ReadHelloAsync();

        // Half a frame header, then nothing.
        await raw.SendAsync(new byte[FrameHeader.Size / 2]);

        await raw.WaitForCloseAsync();
    }

    [Fact]
    public async Task Text_ResultLargerThanMaxFrameSize_ThatCallFailsAndTheLinkLives()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxFrameSize = 4096));
        var service = cluster.ClientService<ITestService>();
        var link = Assert.Single(cluster.ClientService<PeerDirectory>().Links);

        var ex = await Assert.ThrowsAsync<PayloadTooLargeException>(() => service.Text(100_000).AsTask().WaitAsync(TestCluster.Bound));

        Assert.Contains("MaxFrameSize", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1000, (await service.Text(1000).AsTask().WaitAsync(TestCluster.Bound)).Length);
        Assert.Same(link, Assert.Single(cluster.ClientService<PeerDirectory>().Links));
        Assert.False(link.IsClosing);
    }

    [Fact]
    public async Task Text_CallerNeverReadsItsAnswers_NodeHoldsAtMostTwiceItsSendQueue()
    {
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxSendQueueBytes = 4 * 1024 * 1024));

        // One caller asks for 400 answers of 1 MB in a few KB of requests, then reads nothing.
        var (answers, dropped) = await NonReadingCallersAsync(cluster, callers: 1, callsEach: 400);

        // Every call ran; only what fit in twice the send queue (plus the kernel's socket buffers) was kept as answers.
        output.WriteLine($"400 calls of {ResultSize} bytes: {answers} answers kept, {dropped} dropped");
        Assert.InRange(answers, 1, 40);
        Assert.Equal(5, await cluster.ClientService<ITestService>().Add(2, 3).AsTask().WaitAsync(TestCluster.Bound));
    }

    [Fact]
    public async Task Text_ManyCallersNeverReadTheirAnswers_NodeHoldsAtMostTwiceItsNodeSendQueue()
    {
        // Each link alone could hold 32 MiB; the node as a whole only 8 MiB.
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o =>
            {
                o.MaxSendQueueBytes = 16 * 1024 * 1024;
                o.MaxNodeSendQueueBytes = 16 * 1024 * 1024;
            }));
        var (answers, dropped) = await NonReadingCallersAsync(cluster, callers: 4, callsEach: 60);

        // Without the node's bound each link keeps all 60 (240 answers); with it, about 32 MB plus socket buffers.
        output.WriteLine($"4 x 60 calls of {ResultSize} bytes: {answers} answers kept, {dropped} dropped");
        Assert.InRange(answers, 1, 100);
        Assert.Equal(5, await cluster.ClientService<ITestService>().Add(2, 3).AsTask().WaitAsync(TestCluster.Bound));
    }

    private const int ResultSize = 1_000_000;

    /// <summary>
    /// Raw callers that each ask for <paramref name="callsEach"/> answers of <see cref="ResultSize"/> bytes and read
    /// nothing until every call has ended on the server; then counts the answers the node kept for them and the ones it
    /// dropped or refused.
    /// </summary>
    private static async Task<(int Answers, int Dropped)> NonReadingCallersAsync(TestCluster cluster, int callers, int callsEach)
    {
        var server = cluster.Servers[0];
        var calls = callers * callsEach;
        var ended = 0;
        var allEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // A call ends when it ran, or when it was refused without running (its caller's link held too much).
            if (instrument.Name is "rpc.server.call.duration" or "mesh.server.refusals"
                && ReferenceEquals(instrument.Meter.Scope, server.Host.Services.GetRequiredService<IMeterFactory>()))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void OneEnded()
        {
            if (Interlocked.Increment(ref ended) == calls)
            {
                allEnded.TrySetResult();
            }
        }

        listener.SetMeasurementEventCallback<double>((_, _, _, _) => OneEnded());
        listener.SetMeasurementEventCallback<long>((_, _, _, _) => OneEnded());
        listener.Start();

        var method = MeshServiceRegistry.Get<ITestService>().Methods.Single(m => m.Name == nameof(ITestService.Text));
        var serializer = server.Host.Services.GetRequiredService<IPayloadSerializer>();
        var requests = new List<byte>();
        for (var i = 1; i <= callsEach; i++)
        {
            using var request = RequestBuilder.Rent(method, serializer, 4 * 1024 * 1024);
            request.WriteArgument(ResultSize);
            requests.AddRange(request.Frame(i, 60_000).ToArray());
        }

        var peers = new List<RawPeer>();
        try
        {
            for (var c = 0; c < callers; c++)
            {
                var raw = await RawPeer.ConnectAsync(server.EndPoint, bufferSize: 4 * ResultSize);
                peers.Add(raw);
                await raw.SendAsync(RawPeer.PrefaceAndHello(new HelloMessage($"reader-never-{c}", "mesh", [])));
                await raw.ReadHelloAsync();
                await raw.SendAsync([.. requests]);
            }

            await allEnded.Task.WaitAsync(TestCluster.Bound);
            var answers = 0;
            var dropped = 0;
            foreach (var raw in peers)
            {
                for (var read = 0; read < callsEach; read++)
                {
                    var (header, payload) = await raw.ReadCallFrameAsync();
                    if (header.Kind == FrameKind.Response)
                    {
                        answers++;
                    }
                    else
                    {
                        Assert.Equal(FrameKind.Error, header.Kind);
                        Assert.Contains((ErrorCode)payload[0], (ErrorCode[])[ErrorCode.AnswerDropped, ErrorCode.Overloaded]);
                        dropped++;
                    }
                }
            }

            return (answers, dropped);
        }
        finally
        {
            foreach (var raw in peers)
            {
                raw.Dispose();
            }
        }
    }

    private static async Task<string> Outcome(Task call)
    {
        try
        {
            await call;
            return "answered";
        }
        catch (CallRefusedException)
        {
            return "refused";
        }
        catch (OperationCanceledException)
        {
            return "cancelled";
        }
    }
}
