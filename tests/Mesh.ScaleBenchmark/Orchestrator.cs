using System.Globalization;

namespace Mesh.ScaleBenchmark;

/// <summary>Runs the measurements, each size with processes of its own, and always stops them.</summary>
internal sealed class Orchestrator(Options options, NetworkNamespace? ns)
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(15);

    /// <summary>The idle full mesh of <paramref name="n"/> nodes, then one caller over those nodes.</summary>
    public async Task MeshAsync(int n, ScaleReport report)
    {
        var processes = Math.Min(options.Processes, n);
        var children = new List<ChildProcess>();
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            for (var p = 0; p < processes; p++)
            {
                var first = n * p / processes;
                var count = n * (p + 1) / processes - first;
                children.Add(ChildProcess.Start(ns, Invariant($"group --first {first} --count {count} --total {n} --mesh --link-bound {options.LinkBoundSeconds}")));
            }

            var bound = TimeSpan.FromSeconds(options.LinkBoundSeconds + 30);
            var outcomes = await Task.WhenAll(children.Select(c => c.ReadUntilAsync(bound, "LINKED", "UNLINKED"))).ConfigureAwait(false);
            var unlinked = outcomes.Where(o => o.Prefix == "UNLINKED").ToList();
            double? linkedAfter = unlinked.Count == 0 ? started.Elapsed.TotalSeconds : null;
            var expected = n * GroupMode.ExpectedLinks(n);
            int? linksWhenUnlinked = unlinked.Count == 0 ? null : await LinksAsync(children).ConfigureAwait(false);
            Progress($"N={n}: {(linkedAfter is { } s ? $"linked after {s:0.00} s" : $"not linked within {options.LinkBoundSeconds} s ({linksWhenUnlinked} links ready)")}");

            await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds)).ConfigureAwait(false);
            var pids = children.Select(c => c.Id).ToList();
            var before = Sample.Take(pids);
            await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds)).ConfigureAwait(false);
            var after = Sample.Take(pids);
            var linksAfterIdle = await LinksAsync(children).ConfigureAwait(false);
            var seconds = after.SecondsSince(before);
            var cpuPerSecond = after.PreciseCpuSecondsSince(before) / seconds;
            var connections = after.Connections;
            var idle = new IdleRow(
                n,
                processes,
                connections,
                cpuPerSecond * 100,
                after.RssBytes / 1048576.0,
                (after.LoopbackBytes - before.LoopbackBytes) / seconds / 1000,
                linkedAfter,
                linksWhenUnlinked,
                connections == 0 ? 0 : cpuPerSecond * 1e6 / connections,
                connections == 0 ? 0 : after.RssBytes / 1024.0 / connections,
                expected,
                before.Connections,
                linksAfterIdle);
            report.Idle.Add(idle);
            Progress($"N={n}: idle {idle.CpuPercent:0.0} % CPU, {idle.Connections} connections");

            using var caller = ChildProcess.Start(ns, Invariant($"caller --peers {n} --in-flight {options.InFlight} --warmup {options.WarmupSeconds} --seconds {options.CallSeconds} --link-bound {options.LinkBoundSeconds}"));
            try
            {
                var linked = int.Parse((await caller.ReadUntilAsync(TimeSpan.FromSeconds(2 * options.LinkBoundSeconds + 30), "LINKED").ConfigureAwait(false)).Text, CultureInfo.InvariantCulture);
                var calls = await MeasureCallsAsync(caller, [.. pids, caller.Id], n, linked).ConfigureAwait(false);
                Progress($"N={n}: {calls.CallsPerSecond:0} calls/s");
                report.Calls.Add(calls);
                await caller.StopAsync(StopBound).ConfigureAwait(false);
            }
            finally
            {
                caller.Kill();
            }
        }
        finally
        {
            await Task.WhenAll(children.Select(c => c.StopAsync(StopBound))).ConfigureAwait(false);
            foreach (var child in children)
            {
                child.Dispose();
            }
        }
    }

    /// <summary>Server-only nodes (no links of their own) and one caller linked to each of <paramref name="sizes"/> of them in turn.</summary>
    public async Task<List<PeerRow>> PeersAsync(int[] sizes)
    {
        var total = sizes.Max();
        var processes = Math.Min(options.Processes, total);
        var children = new List<ChildProcess>();
        var rows = new List<PeerRow>();
        try
        {
            for (var p = 0; p < processes; p++)
            {
                var first = total * p / processes;
                var count = total * (p + 1) / processes - first;
                children.Add(ChildProcess.Start(ns, Invariant($"group --first {first} --count {count} --total {total}")));
            }

            await Task.WhenAll(children.Select(c => c.ReadUntilAsync(TimeSpan.FromSeconds(90), "STARTED"))).ConfigureAwait(false);
            var servers = children.Select(c => c.Id).ToList();
            foreach (var k in sizes)
            {
                await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds)).ConfigureAwait(false);
                var serverRss0 = await MemoryAsync(children).ConfigureAwait(false);
                var base0 = Sample.Take(servers);
                await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds)).ConfigureAwait(false);
                var base1 = Sample.Take(servers);
                var baseCpu = base1.PreciseCpuSecondsSince(base0) / base1.SecondsSince(base0);
                var baseBytes = (base1.LoopbackBytes - base0.LoopbackBytes) / base1.SecondsSince(base0);

                using var caller = ChildProcess.Start(ns, Invariant($"caller --full --peers {k} --in-flight {options.InFlight} --warmup {options.WarmupSeconds} --seconds {options.CallSeconds} --link-bound {options.LinkBoundSeconds}"));
                try
                {
                    var pick = double.Parse((await caller.ReadUntilAsync(TimeSpan.FromSeconds(60), "PICK").ConfigureAwait(false)).Text, CultureInfo.InvariantCulture);
                    var callerMem0 = ParseMemory((await caller.ReadUntilAsync(TimeSpan.FromSeconds(60), "MEM0").ConfigureAwait(false)).Text);
                    var linked = int.Parse((await caller.ReadUntilAsync(TimeSpan.FromSeconds(2 * options.LinkBoundSeconds + 30), "LINKED").ConfigureAwait(false)).Text, CultureInfo.InvariantCulture);
                    await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds)).ConfigureAwait(false);
                    var all = servers.Append(caller.Id).ToList();
                    var idle0 = Sample.Take(all);
                    await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds)).ConfigureAwait(false);
                    var idle1 = Sample.Take(all);
                    var idleSeconds = idle1.SecondsSince(idle0);
                    var idleCpu = idle1.PreciseCpuSecondsSince(idle0) / idleSeconds - baseCpu;
                    var idleBytes = (idle1.LoopbackBytes - idle0.LoopbackBytes) / idleSeconds - baseBytes;

                    var serverRss1 = await MemoryAsync(children).ConfigureAwait(false);
                    caller.Send("gc");
                    var callerMem1 = ParseMemory((await caller.ReadUntilAsync(TimeSpan.FromSeconds(30), "MEM").ConfigureAwait(false)).Text);
                    var rssDelta = serverRss1.Rss - serverRss0.Rss + callerMem1.Rss - callerMem0.Rss;
                    var managedDelta = serverRss1.Managed - serverRss0.Managed + callerMem1.Managed - callerMem0.Managed;
                    var rssPerLink = rssDelta / 1024.0 / k;
                    var managedPerLink = managedDelta / 1024.0 / k;

                    var calls = await MeasureCallsAsync(caller, all, k, linked).ConfigureAwait(false);
                    rows.Add(new PeerRow(k, linked, rssPerLink, managedPerLink, pick, options.InFlight, calls.CallsPerSecond, calls.CpuMicrosPerCall, idleCpu * 1e6 / k, idleBytes / k, rssDelta, managedDelta, idleCpu * 1e6));
                    Progress($"peers={k}: {rssPerLink:0.0} KiB/link, {calls.CallsPerSecond:0} calls/s");
                    await caller.StopAsync(StopBound).ConfigureAwait(false);
                }
                finally
                {
                    caller.Kill();
                }
            }

            return rows;
        }
        finally
        {
            await Task.WhenAll(children.Select(c => c.StopAsync(StopBound))).ConfigureAwait(false);
            foreach (var child in children)
            {
                child.Dispose();
            }
        }
    }

    /// <summary>
    /// Idle links alone: <paramref name="servers"/> server nodes in one process, one caller node in another linked to
    /// them with each of <paramref name="connectionsPerPeer"/> connections per server in turn. Only the number of links
    /// changes between rows, so their differences are the cost of a link at both ends, without any per-node cost.
    /// </summary>
    public async Task<List<LinkRow>> IdleLinksAsync(int servers, int[] connectionsPerPeer)
    {
        var rows = new List<LinkRow>();
        using var group = ChildProcess.Start(ns, Invariant($"group --first 0 --count {servers} --total {servers}"));
        try
        {
            await group.ReadUntilAsync(TimeSpan.FromSeconds(90), "STARTED").ConfigureAwait(false);
            foreach (var connections in connectionsPerPeer)
            {
                using var caller = ChildProcess.Start(ns, Invariant($"caller --full --peers {servers} --connections {connections} --link-bound {options.LinkBoundSeconds}"));
                try
                {
                    await caller.ReadUntilAsync(TimeSpan.FromSeconds(2 * options.LinkBoundSeconds + 30), "LINKED").ConfigureAwait(false);
                    var pids = new List<int> { group.Id, caller.Id };
                    var links = servers * connections;
                    using (var bound = new CancellationTokenSource(TimeSpan.FromSeconds(options.LinkBoundSeconds)))
                    {
                        while (Sample.Take(pids).Connections < links)
                        {
                            await Task.Delay(100, bound.Token).ConfigureAwait(false);
                        }
                    }

                    await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds)).ConfigureAwait(false);
                    var before = Sample.Take(pids);
                    await Task.Delay(TimeSpan.FromSeconds(options.IdleSeconds)).ConfigureAwait(false);
                    var after = Sample.Take(pids);
                    var seconds = after.SecondsSince(before);
                    var memory = await MemoryAsync([group, caller]).ConfigureAwait(false);
                    var row = new LinkRow(servers, connections, after.Connections, after.PreciseCpuSecondsSince(before) / seconds * 1e6, memory.Rss, memory.Managed, (after.LoopbackBytes - before.LoopbackBytes) / seconds);
                    rows.Add(row);
                    Progress($"links={row.Links}: {row.CpuMicrosPerSecond:0} µs/s, RSS {row.RssBytes / 1048576.0:0.0} MiB");
                    await caller.StopAsync(StopBound).ConfigureAwait(false);
                }
                finally
                {
                    caller.Kill();
                }
            }
        }
        finally
        {
            await group.StopAsync(StopBound).ConfigureAwait(false);
        }

        return rows;
    }

    private async Task<CallRow> MeasureCallsAsync(ChildProcess caller, List<int> pids, int servers, int linked)
    {
        caller.Send("go");
        await caller.ReadUntilAsync(TimeSpan.FromSeconds(options.WarmupSeconds + 30), "MEASURING").ConfigureAwait(false);
        var before = Sample.Take(pids);
        var result = (await caller.ReadUntilAsync(TimeSpan.FromSeconds(options.CallSeconds + 30), "RESULT").ConfigureAwait(false)).Text.Split(' ');
        var after = Sample.Take(pids);
        var count = long.Parse(result[0], CultureInfo.InvariantCulture);
        var window = double.Parse(result[1], CultureInfo.InvariantCulture);
        var failed = long.Parse(result[2], CultureInfo.InvariantCulture);
        return new CallRow(servers, linked, options.InFlight, count / window, count == 0 ? 0 : (after.CpuSeconds - before.CpuSeconds) * 1e6 / count, failed);
    }

    /// <summary>The links the nodes of <paramref name="children"/> have now, summed.</summary>
    private static async Task<int> LinksAsync(List<ChildProcess> children)
    {
        foreach (var child in children)
        {
            child.Send("links");
        }

        var lines = await Task.WhenAll(children.Select(c => c.ReadUntilAsync(TimeSpan.FromSeconds(30), "LINKS"))).ConfigureAwait(false);
        return lines.Sum(l => int.Parse(l.Text, CultureInfo.InvariantCulture));
    }

    private static async Task<(long Rss, long Managed)> MemoryAsync(List<ChildProcess> children)
    {
        foreach (var child in children)
        {
            child.Send("gc");
        }

        var lines = await Task.WhenAll(children.Select(c => c.ReadUntilAsync(TimeSpan.FromSeconds(30), "MEM"))).ConfigureAwait(false);
        var parsed = lines.Select(l => ParseMemory(l.Text)).ToList();
        return (parsed.Sum(p => p.Rss), parsed.Sum(p => p.Managed));
    }

    private static (long Rss, long Managed) ParseMemory(string rest)
    {
        var parts = rest.Split(' ');
        return (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");
}
