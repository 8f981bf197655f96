using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.ScaleBenchmark;

/// <summary>
/// <c>group</c>: hosts <c>--count</c> nodes (indexes from <c>--first</c>) in this process, each on its own loopback
/// address, each hosting <see cref="IScale"/>. With <c>--mesh</c> every node also calls <see cref="IScale"/> on the
/// <c>--total</c> nodes (itself included) with the default options: up to the aperture threshold it links to all of
/// them (a full mesh of N² links), past it to its aperture (<see cref="ExpectedLinks"/> each). Prints <c>STARTED</c>,
/// then with <c>--mesh</c> <c>LINKED</c> once every node here has its links (or <c>UNLINKED n</c> with the links it
/// has when <c>--link-bound</c> seconds pass); answers <c>gc</c> on its input with <c>MEM rss managed</c>,
/// <c>links</c> with <c>LINKS n</c> (the links its nodes have now), and ends on <c>stop</c> or when its input closes.
/// </summary>
internal static class GroupMode
{
    public static async Task<int> RunAsync(Args args)
    {
        var first = args.String("--first", "0") is var f && int.TryParse(f, out var fv) && fv >= 0 ? fv : throw new ArgumentException("--first needs an index.");
        var count = args.Int("--count", 1);
        var total = args.Int("--total", count);
        var mesh = args.Flag("--mesh");
        var linkBound = TimeSpan.FromSeconds(args.Double("--link-bound", 60));
        args.EnsureAllUsed();

        var peers = Enumerable.Range(0, total).Select(NodeAddress.Endpoint).ToArray();
        var hosts = new List<IHost>();
        for (var i = first; i < first + count; i++)
        {
            // The options are configured when the host starts: each node needs its own copy of the index.
            var index = i;
            // No configuration files: each would add a file watcher, and 128 nodes would pass the user's inotify limit.
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            var mb = builder.Services.AddMesh(o =>
                {
                    o.NodeId = $"node-{index}";
                    o.AllowPlaintext = true;
                    o.ListenEndpoint = NodeAddress.Endpoint(index);
                    o.ShutdownGracePeriod = TimeSpan.FromSeconds(1);
                })
                .AddService<IScale, ScaleService>();
            if (mesh)
            {
                mb.UseStaticPeers(peers).AddClient<IScale>();
            }

            hosts.Add(builder.Build());
        }

        await Task.WhenAll(hosts.Select(h => h.StartAsync())).ConfigureAwait(false);
        Console.WriteLine("STARTED");
        if (mesh)
        {
            var nodes = hosts.Select(h => h.Services.GetRequiredService<IMeshNode>()).ToArray();
            using var bound = new CancellationTokenSource(linkBound);
            try
            {
                await Task.WhenAll(nodes.Select(n => n.WaitForPeersAsync<IScale>(ExpectedLinks(total), bound.Token))).ConfigureAwait(false);
                Console.WriteLine("LINKED");
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine($"UNLINKED {nodes.Sum(n => n.Peers.Count(p => p.IsReady))}");
            }
        }

        while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line && line.Trim() != "stop")
        {
            if (line.Trim() == "gc")
            {
                Console.WriteLine(Memory.Line());
            }
            else if (line.Trim() == "links")
            {
                Console.WriteLine($"LINKS {hosts.Sum(h => h.Services.GetRequiredService<IMeshNode>().Peers.Count(p => p.IsReady))}");
            }
        }

        await Task.WhenAll(hosts.Select(h => h.StopAsync())).ConfigureAwait(false);
        foreach (var host in hosts)
        {
            host.Dispose();
        }

        return 0;
    }

    /// <summary>
    /// The links an idle caller of <paramref name="peers"/> peers keeps with the default options: all of them up to
    /// <see cref="MeshOptions.ApertureThreshold"/>, past it its aperture's floor (<see cref="MeshOptions.ApertureMinPeers"/>).
    /// </summary>
    public static int ExpectedLinks(int peers)
    {
        var defaults = new MeshOptions();
        return peers <= defaults.ApertureThreshold ? peers : Math.Min(peers, defaults.ApertureMinPeers);
    }
}

/// <summary>
/// This process's memory after a full, aggressive collection (which gives free heap memory back to the system, so the
/// resident set counts what is held, not what the heap kept from a burst): resident set and managed heap, in bytes.
/// </summary>
internal static class Memory
{
    public static string Line()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var self = Process.GetCurrentProcess();
        return $"MEM {self.WorkingSet64} {GC.GetTotalMemory(false)}";
    }
}
