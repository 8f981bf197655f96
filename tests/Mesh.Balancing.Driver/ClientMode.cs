using System.Diagnostics;
using System.Text.Json;
using Mesh.Invocation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Balancing.Driver;

/// <summary>
/// <c>client</c>: links to the given servers, calls <see cref="IWork"/> with a fixed number of calls in
/// flight for warm-up plus the measured time, and prints one JSON line: calls per node, failures, and
/// the latency of every measured call in microseconds.
/// </summary>
internal static class ClientMode
{
    public static async Task<int> RunAsync(Args args)
    {
        var peers = args.String("--peers", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var policy = args.String("--policy", Mesh.Balancing.LoadBalancingPolicies.Default);
        var concurrency = args.Int("--concurrency", 32);
        var warmup = TimeSpan.FromSeconds(args.Double("--warmup", 1));
        var measured = TimeSpan.FromSeconds(args.Double("--seconds", 5));
        var nodeId = args.String("--node-id", "client");
        var deadlineMs = args.String("--deadline-ms", "0") is var d && double.TryParse(d, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed >= 0
            ? parsed
            : throw new ArgumentException("--deadline-ms needs a number (0: the default deadline).");
        var maxCalls = args.String("--calls", "0") is var c && int.TryParse(c, System.Globalization.CultureInfo.InvariantCulture, out var calls) && calls >= 0
            ? calls
            : throw new ArgumentException("--calls needs a count (0: no limit).");
        var apertureThreshold = args.Int("--aperture-threshold", new MeshOptions().ApertureThreshold);
        args.EnsureAllUsed();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddMesh(mesh =>
            {
                mesh.NodeId = nodeId;
                mesh.AllowPlaintext = true;
                mesh.LoadBalancingPolicy = policy;
                mesh.ApertureThreshold = apertureThreshold;
                mesh.ApertureMinPeers = Math.Min(mesh.ApertureMinPeers, apertureThreshold);
                if (deadlineMs > 0)
                {
                    mesh.DefaultDeadline = TimeSpan.FromMilliseconds(deadlineMs);
                }
            })
            .UseStaticPeers(peers)
            .AddClient<IWork>();
        using var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        using (var linking = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            // Past the aperture threshold the client links to its aperture (at least ApertureMinPeers), not to all.
            var linked = peers.Length <= apertureThreshold ? peers.Length : Math.Min(peers.Length, Math.Min(new MeshOptions().ApertureMinPeers, apertureThreshold));
            await host.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(MeshServiceRegistry.Get<IWork>().Name, linked, linking.Token).ConfigureAwait(false);
        }

        var work = host.Services.GetRequiredService<IWork>();
        var clock = Stopwatch.StartNew();
        var measureFrom = warmup;
        var end = warmup + measured;
        var byNode = new Dictionary<string, int>(StringComparer.Ordinal);
        var latencies = new List<long>();
        var failed = 0;
        var issued = 0;
        var gate = new Lock();

        async Task Worker(int id)
        {
            var i = 0;
            while (clock.Elapsed < end && (maxCalls == 0 || Interlocked.Increment(ref issued) <= maxCalls))
            {
                var started = Stopwatch.GetTimestamp();
                var inWindow = maxCalls > 0 || clock.Elapsed >= measureFrom;
                try
                {
                    var node = await work.Work(id * 1_000_000 + i++).ConfigureAwait(false);
                    var micros = (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds;
                    if (inWindow)
                    {
                        lock (gate)
                        {
                            latencies.Add(micros);
                            byNode[node] = byNode.GetValueOrDefault(node) + 1;
                        }
                    }
                }
                catch (MeshException ex)
                {
                    lock (gate)
                    {
                        if (inWindow && ++failed <= 3 && deadlineMs == 0)
                        {
                            Console.Error.WriteLine($"call failed: {ex.Message}");
                        }
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(i => Task.Run(() => Worker(i)))).ConfigureAwait(false);
        var linkedPeers = host.Services.GetRequiredService<IMeshNode>().Peers.Count;
        await host.StopAsync().ConfigureAwait(false);
        Console.WriteLine(JsonSerializer.Serialize(new ClientResult(policy, measured.TotalSeconds, failed, byNode, [.. latencies], linkedPeers), DriverJson.Options));
        return failed == 0 || deadlineMs > 0 ? 0 : 1;
    }
}

/// <summary>What one client process measured.</summary>
internal sealed record ClientResult(string Policy, double Seconds, int Failed, Dictionary<string, int> ByNode, long[] LatenciesUs, int LinkedPeers = 0);
