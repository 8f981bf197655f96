using System.Diagnostics;
using Mesh.Balancing;
using Mesh.Load;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.ScaleBenchmark;

/// <summary>
/// <c>caller</c>: one node calling the first <c>--peers</c> nodes (linked to all of them with <c>--full</c>, otherwise
/// to its aperture past the threshold), with <c>--connections</c> links to each. Prints <c>PICK ns</c> (the default policy's
/// pick over that many peers, in-process), <c>MEM0</c> before the node starts, <c>LINKED k</c> once linked to all (or, after <c>--link-bound</c> s, to the k it has); then on its
/// input: <c>gc</c> prints <c>MEM rss managed</c>; <c>go</c> runs <c>--in-flight</c> calls for <c>--warmup</c> then
/// <c>--seconds</c>, printing <c>MEASURING</c> when the measured window starts and <c>RESULT calls seconds failed</c>
/// at its end; <c>stop</c> (or end of input) ends it.
/// </summary>
internal static class CallerMode
{
    public static async Task<int> RunAsync(Args args)
    {
        var peerCount = args.Int("--peers", 8);
        var inFlight = args.Int("--in-flight", 64);
        var warmup = TimeSpan.FromSeconds(args.Double("--warmup", 1));
        var seconds = TimeSpan.FromSeconds(args.Double("--seconds", 3));
        var linkBound = TimeSpan.FromSeconds(args.Double("--link-bound", 40));
        var full = args.Flag("--full");
        var connections = args.Int("--connections", 1);
        args.EnsureAllUsed();

        Console.WriteLine($"PICK {PickNanoseconds(peerCount):0.0}");
        Console.WriteLine(Memory.Line().Replace("MEM", "MEM0", StringComparison.Ordinal));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Services.AddMesh(o =>
            {
                o.NodeId = "caller";
                o.AllowPlaintext = true;
                o.ShutdownGracePeriod = TimeSpan.FromSeconds(1);
                o.ConnectionsPerPeer = connections;
                if (full)
                {
                    // The per-link rows link to every peer however many there are.
                    o.ApertureThreshold = int.MaxValue;
                }
            })
            .UseStaticPeers(Enumerable.Range(0, peerCount).Select(NodeAddress.Endpoint).ToArray())
            .AddClient<IScale>();
        using var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        // A starved mesh may not let every link form: after --link-bound the calls go to the peers that did.
        var node = host.Services.GetRequiredService<IMeshNode>();
        using (var bound = new CancellationTokenSource(linkBound))
        {
            try
            {
                await node.WaitForPeersAsync<IScale>(full ? peerCount : GroupMode.ExpectedLinks(peerCount), bound.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                using var atLeastOne = new CancellationTokenSource(linkBound);
                await node.WaitForPeersAsync(peers => peers.Any(p => p.IsReady), atLeastOne.Token).ConfigureAwait(false);
            }
        }

        Console.WriteLine($"LINKED {node.Peers.Count(p => p.IsReady)}");
        var scale = host.Services.GetRequiredService<IScale>();
        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line && line.Trim() != "stop")
        {
            switch (line.Trim())
            {
                case "gc":
                    Console.WriteLine(Memory.Line());
                    break;
                case "go":
                    await RunLoadAsync(scale, inFlight, warmup, seconds).ConfigureAwait(false);
                    break;
            }
        }

        await host.StopAsync().ConfigureAwait(false);
        return 0;
    }

    private static async Task RunLoadAsync(IScale scale, int inFlight, TimeSpan warmup, TimeSpan seconds)
    {
        var clock = Stopwatch.StartNew();
        var end = warmup + seconds;
        long counted = 0;
        long failed = 0;
        var measuring = 0;
        var started = TimeSpan.Zero;

        async Task Worker(int id)
        {
            var i = 0;
            while (true)
            {
                var now = clock.Elapsed;
                if (now >= end)
                {
                    return;
                }

                if (now >= warmup && Interlocked.Exchange(ref measuring, 1) == 0)
                {
                    started = clock.Elapsed;
                    Console.WriteLine("MEASURING");
                }

                try
                {
                    await scale.Echo(id + i++).ConfigureAwait(false);
                    if (Volatile.Read(ref measuring) != 0)
                    {
                        Interlocked.Increment(ref counted);
                    }
                }
                catch (MeshException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(i => Task.Run(() => Worker(i * 1_000_000)))).ConfigureAwait(false);
        var window = clock.Elapsed - started;
        Console.WriteLine($"RESULT {Interlocked.Read(ref counted)} {window.TotalSeconds:0.000} {Interlocked.Read(ref failed)}");
    }

    /// <summary>The default policy's pick over <paramref name="peers"/> peers with varied state, in nanoseconds.</summary>
    private static double PickNanoseconds(int peers)
    {
        var time = TimeProvider.System;
        var random = new Random(1);
        var settings = BalancingSettings.Default with { SlowStartWindow = TimeSpan.FromMinutes(10) };
        var stats = Enumerable.Range(0, peers).Select(_ => new PeerStats(settings, time)).ToArray();
        foreach (var peer in stats)
        {
            var outstanding = random.Next(0, 8);
            for (var i = 0; i < outstanding + 1; i++)
            {
                peer.OnSent();
            }

            peer.OnCompleted(time.GetTimestamp() - random.Next(1, 20) * time.TimestampFrequency / 1000);
            peer.OnReport(new LoadReport(1, (uint)time.GetUtcNow().ToUnixTimeMilliseconds(), random.Next(0, 30), random.Next(0, 5), 9000, false));
        }

        var policy = LoadBalancingPolicyFactory.Create(LoadBalancingPolicies.Default, time, new PickRandom(7));
        var sink = 0;
        for (var i = 0; i < 100_000; i++)
        {
            sink += policy.Pick(stats);
        }

        const int Picks = 1_000_000;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Picks; i++)
        {
            sink += policy.Pick(stats);
        }

        GC.KeepAlive(sink);
        return watch.Elapsed.TotalNanoseconds / Picks;
    }
}
