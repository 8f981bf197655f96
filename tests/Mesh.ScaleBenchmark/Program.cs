using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mesh.ScaleBenchmark;

// The scale benchmark (issue 18 item 5, issue 14 item 5). Default mode: for each size of --sizes, an idle mesh of N
// nodes spread over --processes processes (node i on 127.0.0.(i+1):7800; full up to the aperture threshold, apertured
// past it), inside a network namespace it creates and deletes; then one caller at --in-flight calls over those N
// servers. Then --peer-sizes: one caller linked to that many server-only nodes; then the idle-link rows: one caller
// linked to the same servers with more connections each. Prints tables, and with --json one JSON object as the last
// line. Children: 'group' and 'caller'. See README.md.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
try
{
    var mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "run";
    var rest = new Args(mode == "run" && (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal)) ? args : args[1..]);
    return mode switch
    {
        "group" => await GroupMode.RunAsync(rest),
        "caller" => await CallerMode.RunAsync(rest),
        "run" => await RunAsync(rest),
        _ => throw new ArgumentException($"Unknown mode '{mode}' (run, group, caller)."),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

static async Task<int> RunAsync(Args args)
{
    var options = new Options(
        args.Ints("--sizes", "8,16,32,64,128"),
        args.Ints("--peer-sizes", "64,256"),
        args.Int("--processes", 8),
        args.Int("--in-flight", 64),
        args.Double("--link-bound", 30),
        args.Double("--settle", 15),
        args.Double("--idle-seconds", 5),
        args.Double("--warmup", 1),
        args.Double("--seconds", 3),
        !args.Flag("--no-netns"),
        args.Flag("--json"));
    var skipPeers = args.Flag("--no-peers");
    var linkServers = args.Int("--link-servers", 8);
    var linkConnections = args.Ints("--link-connections", "1,64,1,64");
    var skipLinks = args.Flag("--no-links");
    args.EnsureAllUsed();

    using var ns = options.UseNamespace ? NetworkNamespace.Create() : null;
    Console.CancelKeyPress += (_, _) => ns?.Dispose();
    var orchestrator = new Orchestrator(options, ns);
    var report = new ScaleReport(Commit(), Environment.ProcessorCount, ns?.Name ?? "(none: host loopback, traffic includes others')", [], [], [], [], []);
    Console.WriteLine($"Mesh scale benchmark: commit {report.Commit}; {report.Cores} cores; namespace {report.Namespace}; up to {options.Processes} processes; " +
        $"settle {options.SettleSeconds} s, idle window {options.IdleSeconds} s; {options.InFlight} calls in flight, warm-up {options.WarmupSeconds} s, measured {options.CallSeconds} s");
    foreach (var n in options.Sizes)
    {
        try
        {
            await orchestrator.MeshAsync(n, report);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            report.Failures.Add($"N={n}: {ex.Message.Split('\n')[0]}");
            Console.Error.WriteLine($"N={n} failed: {ex.Message}");
        }
    }

    if (!skipPeers)
    {
        try
        {
            report.Peers.AddRange(await orchestrator.PeersAsync(options.PeerSizes));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            report.Failures.Add($"peers: {ex.Message.Split('\n')[0]}");
            Console.Error.WriteLine($"peer rows failed: {ex.Message}");
        }
    }

    if (!skipLinks)
    {
        try
        {
            report.Links.AddRange(await orchestrator.IdleLinksAsync(linkServers, linkConnections));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            report.Failures.Add($"links: {ex.Message.Split('\n')[0]}");
            Console.Error.WriteLine($"idle link rows failed: {ex.Message}");
        }
    }

    Print(report);
    PrintLinks(report);
    if (options.Json)
    {
        Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
    }

    return 0;
}

static void Print(ScaleReport report)
{
    foreach (var failure in report.Failures)
    {
        Console.WriteLine($"FAILED {failure}");
    }

    Console.WriteLine();
    Console.WriteLine("Idle mesh (every node calls every node: a full mesh up to the aperture threshold, apertures past it; CPU and RSS of all node processes; per link = total / connections, fixed per-process costs included;");
    Console.WriteLine("links kept = links the nodes held at the end of the idle window / links wanted, connections at its start → end)");
    Console.WriteLine("| N | processes | connections | CPU (% of one core) | RSS | loopback traffic | all linked after | links kept | CPU per link | RSS per link |");
    Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in report.Idle)
    {
        var linked = r.LinkedAfterSeconds is { } s ? $"{s:0.00} s" : $"not within bound ({r.LinksWhenUnlinked} links)";
        Console.WriteLine($"| {r.Nodes} | {r.Processes} | {r.Connections:N0} | {r.CpuPercent:0.0} % | {r.RssMiB:0} MiB | {r.LoopbackKBps:0.0} KB/s | {linked} | {r.LinksAfterIdle:N0} / {r.ExpectedLinks:N0} ({r.ConnectionsBefore:N0} → {r.Connections:N0}) | {r.CpuMicrosPerLinkSecond:0.0} µs/s | {r.RssKiBPerLink:0.0} KiB |");
    }

    Console.WriteLine();
    Console.WriteLine("One caller, calls in flight spread over N servers (CPU of every process per call)");
    Console.WriteLine("| N servers | linked | in flight | calls/s | CPU per call | failed |");
    Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in report.Calls)
    {
        Console.WriteLine($"| {r.Servers} | {r.LinkedServers} | {r.InFlight} | {r.CallsPerSecond:N0} | {r.CpuMicrosPerCall:0.0} µs | {r.Failed} |");
    }

    if (report.Peers.Count > 0)
    {
        Console.WriteLine();
        Console.WriteLine("One caller linked to K server-only peers (memory: both ends after a GC, minus before linking; idle: all processes minus the servers' own idle cost)");
        Console.WriteLine("| peers (linked) | RSS per link | managed per link | pick (LoadAware) | in flight | calls/s | CPU per call | idle CPU per link | idle traffic per link |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in report.Peers)
        {
            Console.WriteLine($"| {r.Peers} ({r.LinkedPeers}) | {r.RssKiBPerLink:0.0} KiB | {r.ManagedKiBPerLink:0.0} KiB | {r.PickNanoseconds:0} ns | {r.InFlight} | {r.CallsPerSecond:N0} | {r.CpuMicrosPerCall:0.0} µs | {r.IdleCpuMicrosPerLinkSecond:0.0} µs/s | {r.IdleBytesPerLinkSecond:0} B/s |");
        }

        // The caller's own start-up (host, thread pool, JIT) is spread over its links above; the difference between two
        // sizes is what one more link costs.
        for (var i = 1; i < report.Peers.Count; i++)
        {
            var (a, b) = (report.Peers[i - 1], report.Peers[i]);
            var links = b.Peers - a.Peers;
            if (links > 0)
            {
                Console.WriteLine($"Marginal cost of a link ({a.Peers} → {b.Peers} peers): RSS {(b.RssDeltaBytes - a.RssDeltaBytes) / 1024.0 / links:0.0} KiB, managed {(b.ManagedDeltaBytes - a.ManagedDeltaBytes) / 1024.0 / links:0.0} KiB, idle CPU {(b.IdleCpuMicrosPerSecond - a.IdleCpuMicrosPerSecond) / links:0.0} µs/s (both ends)");
            }
        }
    }
}

static void PrintLinks(ScaleReport report)
{
    if (report.Links.Count == 0)
    {
        return;
    }

    Console.WriteLine();
    Console.WriteLine("Idle links alone (one caller node, the same server nodes, more connections per server; CPU of both processes, memory of both after an aggressive GC)");
    Console.WriteLine("| servers | connections per server | links | CPU | RSS | managed | loopback traffic |");
    Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    foreach (var r in report.Links)
    {
        Console.WriteLine($"| {r.Servers} | {r.ConnectionsPerPeer} | {r.Links:N0} | {r.CpuMicrosPerSecond:0} µs/s | {r.RssBytes / 1048576.0:0.0} MiB | {r.ManagedBytes / 1048576.0:0.00} MiB | {r.LoopbackBytesPerSecond / 1000:0.0} KB/s |");
    }

    // Each row with more links than the one before it, against that row: a pair measured minutes apart, so the
    // processes' own drift (their resident set grows slowly by itself) counts as little as it can.
    for (var i = 1; i < report.Links.Count; i++)
    {
        var (first, last) = (report.Links[i - 1], report.Links[i]);
        var added = last.Links - first.Links;
        if (added > 0)
        {
            Console.WriteLine($"Cost of one idle link, both ends ({first.Links} → {last.Links} links): CPU {(last.CpuMicrosPerSecond - first.CpuMicrosPerSecond) / added:0.0} µs/s, RSS {(last.RssBytes - first.RssBytes) / 1024.0 / added:0.0} KiB, managed {(last.ManagedBytes - first.ManagedBytes) / 1024.0 / added:0.0} KiB, traffic {(last.LoopbackBytesPerSecond - first.LoopbackBytesPerSecond) / added:0} B/s");
        }
    }
}

static string Commit()
{
    try
    {
        var start = new ProcessStartInfo("git", "rev-parse --short HEAD") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var git = Process.Start(start);
        var output = git?.StandardOutput.ReadToEnd().Trim();
        git?.WaitForExit();
        return string.IsNullOrEmpty(output) ? "unknown" : output;
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "unknown";
    }
}
