using Mesh.Balancing;
using Mesh.Calls;
using Mesh.Load;
using Mesh.Runtime.Tests.TestServices;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Runtime.Tests.Balancing;

/// <summary>
/// One peer's <see cref="PeerStats"/> is shared by every connection to the peer and by the calls a node
/// short-circuits to itself, so it is updated from several threads at once: every attempt must be settled
/// exactly once, the outstanding count must return to zero, and no latency sample or refusal may be lost.
/// </summary>
public sealed class PeerStatsConcurrencyTests
{
    private const int Threads = 4;
    private const int AttemptsPerThread = 40_000;

    [Fact]
    public void Settle_ManyThreadsRacingOnOnePeer_EverySettledOnceAndNothingLost()
    {
        var stats = new PeerStats(BalancingSettings.Default, TimeProvider.System);
        var trackers = new PeerCallTracker[Threads * AttemptsPerThread];
        var outcomes = new PeerCallOutcome[trackers.Length];
        var started = new int[trackers.Length];
        var settledBy = new int[trackers.Length];
        using var start = new Barrier((Threads * 3) + 1);
        using var done = new CancellationTokenSource();

        // Each attempt is started by one thread and settled by two racing ones (as a link's receive loop and the
        // router, or a link closing, race for a call), while reports arrive and a policy reads the peer.
        var starters = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = t; i < trackers.Length; i += Threads)
            {
                outcomes[i] = (i % 5) switch { 3 => PeerCallOutcome.Refused, 4 => PeerCallOutcome.Abandoned, _ => PeerCallOutcome.Answered };
                trackers[i] = stats.Track();
                Volatile.Write(ref started[i], 1);
            }
        })).ToList();
        var settlers = Enumerable.Range(0, Threads * 2).Select(s => new Thread(() =>
        {
            var stride = Threads;
            var first = s % Threads;
            start.SignalAndWait();
            for (var i = first; i < trackers.Length; i += stride)
            {
                var spins = new SpinWait();
                while (Volatile.Read(ref started[i]) == 0)
                {
                    spins.SpinOnce();
                }

                if (trackers[i].Settle(outcomes[i]))
                {
                    Interlocked.Increment(ref settledBy[i]);
                }
            }
        })).ToList();
        var reporter = new Thread(() =>
        {
            ushort sequence = 0;
            while (!done.IsCancellationRequested)
            {
                stats.OnReport(new LoadReport(++sequence, (uint)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), sequence % 7, 0, 1000, false));
            }
        });
        var policy = new LoadAwarePolicy(new PickRandom(), TimeProvider.System);
        var reader = new Thread(() =>
        {
            PeerStats[] peers = [stats, new PeerStats(BalancingSettings.Default, TimeProvider.System)];
            while (!done.IsCancellationRequested)
            {
                _ = policy.Pick(peers);
            }
        });

        List<Thread> all = [.. starters, .. settlers, reporter, reader];
        all.ForEach(t =>
        {
            t.IsBackground = true;
            t.Start();
        });
        Assert.True(start.SignalAndWait(TestCluster.Bound), "the threads did not all start");
        Assert.All(starters.Concat(settlers), t => Assert.True(t.Join(TestCluster.Bound), "a thread did not finish"));
        done.Cancel();
        Assert.True(reporter.Join(TestCluster.Bound) && reader.Join(TestCluster.Bound), "the reporter or reader did not stop");

        // Two settlers raced for every attempt; exactly one of them settled it.
        Assert.All(settledBy, s => Assert.Equal(1, s));
        Assert.Equal(0, stats.Outstanding);
        Assert.Equal(outcomes.Count(o => o == PeerCallOutcome.Answered), stats.Samples);
        Assert.Equal(outcomes.Count(o => o == PeerCallOutcome.Refused), stats.RefusedTotal);
        var latency = stats.LatencyMs(TimeProvider.System.GetTimestamp());
        Assert.True(double.IsFinite(latency) && latency >= 0, $"latency estimate {latency}");
        Assert.False(trackers[0].Settle(PeerCallOutcome.Answered));
    }

    [Fact]
    public async Task Calls_OnePeerThroughFourConnections_StatsCountEveryOutcomeOnce()
    {
        // A small cap on the server makes a share of the calls come back refused as overloaded.
        await using var cluster = await TestCluster.StartAsync(
            servers: 1,
            configureClient: o => o.ConnectionsPerPeer = 4,
            configureServer: mesh => mesh.Services.Configure<MeshOptions>(o => o.MaxConcurrentCalls = 8));
        var service = cluster.ClientService<ITestService>();
        var links = cluster.ClientService<PeerDirectory>();
        await links.WaitAsync(_ => links.LinkCount == 4, CancellationToken.None).WaitAsync(TestCluster.Bound);
        var stats = Assert.Single(links.Links).Stats;

        var tally = await RunMixAsync(service, calls: 4_000, concurrency: 128, cancelSome: false);

        Assert.Equal(0, stats.Outstanding);
        Assert.Equal(tally.Answered + tally.Failed, stats.Samples);
        Assert.Equal(tally.Refused, stats.RefusedTotal);
        Assert.True(tally.Answered > 0 && tally.Failed > 0, tally.ToString());

        // Callers giving up mid-call race the answers; the count still returns to zero.
        var before = stats.Samples + stats.RefusedTotal;
        var withCancels = await RunMixAsync(service, calls: 4_000, concurrency: 128, cancelSome: true);
        Assert.Equal(0, stats.Outstanding);
        Assert.InRange(stats.Samples + stats.RefusedTotal - before, withCancels.Answered + withCancels.Failed + withCancels.Refused, 4_000);
    }

    [Fact]
    public async Task Calls_NodeShortCircuitsToItselfOverThreeLinks_StatsCountEveryOutcomeOnce()
    {
        await using var node = await SelfNode.StartAsync(
            "self",
            o =>
            {
                o.LocalCalls = LocalCallMode.ShortCircuit;
                o.ConnectionsPerPeer = 3;
            },
            maxConcurrentCalls: 8);
        var links = node.Services.GetRequiredService<PeerDirectory>();
        await links.WaitAsync(_ => links.LinkCount == 3, CancellationToken.None).WaitAsync(TestCluster.Bound);
        var stats = Assert.Single(links.Links).Stats;

        var tally = await RunMixAsync(node.Service, calls: 4_000, concurrency: 128, cancelSome: false);

        Assert.Equal(0, stats.Outstanding);
        Assert.Equal(tally.Answered + tally.Failed, stats.Samples);
        Assert.Equal(tally.Refused, stats.RefusedTotal);
        Assert.True(node.Local!.Executed > 0);
    }

    /// <summary>Runs a mix of answered, failing and (optionally) cancelled calls, and counts what the callers saw.</summary>
    private static async Task<Tally> RunMixAsync(ITestService service, int calls, int concurrency, bool cancelSome)
    {
        long answered = 0, failed = 0, refused = 0, cancelled = 0;
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < calls)
            {
                using var cancel = new CancellationTokenSource();
                try
                {
                    if (i % 3 == 2)
                    {
                        await service.Fail("expected");
                    }
                    else
                    {
                        var reply = service.Echo(i, cancel.Token);
                        if (cancelSome && i % 3 == 1)
                        {
                            await cancel.CancelAsync();
                        }

                        await reply;
                    }

                    Interlocked.Increment(ref answered);
                }
                catch (RemoteInvocationException)
                {
                    Interlocked.Increment(ref failed);
                }
                catch (CallRefusedException)
                {
                    Interlocked.Increment(ref refused);
                }
                catch (OperationCanceledException) when (cancelSome)
                {
                    Interlocked.Increment(ref cancelled);
                }
            }
        });
        await Task.WhenAll(workers).WaitAsync(TestCluster.Bound);
        var tally = new Tally(answered, failed, refused, cancelled);
        Assert.Equal(calls, answered + failed + refused + cancelled);
        return tally;
    }

    private sealed record Tally(long Answered, long Failed, long Refused, long Cancelled);
}
