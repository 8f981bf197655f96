using System.Diagnostics;
using System.Globalization;

namespace Mesh.LoadDriver.Streams;

/// <summary>
/// The <c>--streams</c> scenario: stream throughput through one connection. For each peer (Mesh, gRPC), a server
/// process and a client process (both with server GC); the client reads 1 or more concurrent server streams of
/// fixed-size items, and after a warm-up counts items and both processes' CPU time over the measured window.
/// Peers alternate within each round, so the rows a ratio compares are measured back to back.
/// </summary>
internal static class StreamMode
{
    public const string Usage = """
        --streams [--peers mesh,grpc] [--parallel 1,4] [--item-bytes 64] [--warmup S] [--duration S] [--rounds N]
          Stream throughput through one connection: items/s of server streams of --item-bytes items, --parallel
          streams at once, Mesh against gRPC server streaming (h2c, one channel, server GC). Prints one row per peer
          and parallelism (the median over --rounds).
        """;

    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = StreamOptions.Parse(args);
        Console.WriteLine($"Mesh stream driver: peers {string.Join(", ", options.Peers)}; {options.ItemBytes}-byte items; streams at once {string.Join("/", options.Parallel)}; " +
                          $"warm-up {options.Warmup.TotalSeconds:0.#} s, measured {options.Duration.TotalSeconds:0.#} s per row; {options.Rounds} round(s); {Environment.ProcessorCount} cores; server GC");
        var measured = new List<StreamRow>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var parallel in options.Parallel)
            {
                foreach (var peer in options.Peers)
                {
                    var row = await RunPeerAsync(peer, parallel, options);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  round {round} {row.Peer,-5} streams={row.Streams,-3} {row.ItemsPerSec,12:N0} items/s  cpu {row.CpuNsPerItem,7:0} ns/item"));
                    measured.Add(row);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"| peer | streams | items/s ({options.ItemBytes} B) | MB/s of items | client+server CPU ns/item | client | server | items |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        var failed = false;
        foreach (var parallel in options.Parallel)
        {
            foreach (var peer in options.Peers)
            {
                var runs = measured.Where(r => r.Peer == peer && r.Streams == parallel).ToList();
                failed |= runs.Any(r => r.Items == 0);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {peer} | {parallel} | {Median(runs, r => r.ItemsPerSec):N0} | {Median(runs, r => r.ItemsPerSec) * options.ItemBytes / 1e6:0.0} | {Median(runs, r => r.CpuNsPerItem):0} | {Median(runs, r => r.ClientNsPerItem):0} | {Median(runs, r => r.ServerNsPerItem):0} | {runs.Sum(r => r.Items):N0} |"));
            }

            if (options.Peers.Contains("mesh") && options.Peers.Contains("grpc"))
            {
                var mesh = Median(measured.Where(r => r.Peer == "mesh" && r.Streams == parallel).ToList(), r => r.ItemsPerSec);
                var grpc = Median(measured.Where(r => r.Peer == "grpc" && r.Streams == parallel).ToList(), r => r.ItemsPerSec);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"streams={parallel}: mesh / grpc items/s = {mesh / grpc:0.00}"));
            }
        }

        return failed ? 1 : 0;
    }

    /// <summary>The client process: reads <c>parallel</c> streams, measures, prints one ROW line.</summary>
    public static async Task<int> RunClientAsync(string[] args)
    {
        // stream-client <peer> <address> <serverPid> <parallel> <itemBytes> <warmupMs> <durationMs>
        var peer = StreamPeers.Find(args[1]);
        var serverPid = int.Parse(args[3], CultureInfo.InvariantCulture);
        var parallel = int.Parse(args[4], CultureInfo.InvariantCulture);
        var itemBytes = int.Parse(args[5], CultureInfo.InvariantCulture);
        var warmup = TimeSpan.FromMilliseconds(int.Parse(args[6], CultureInfo.InvariantCulture));
        var duration = TimeSpan.FromMilliseconds(int.Parse(args[7], CultureInfo.InvariantCulture));
        await using var client = await peer.ConnectAsync(args[2]);
        using var server = Process.GetProcessById(serverPid);
        using var self = Process.GetCurrentProcess();
        using var stop = new CancellationTokenSource();
        var counts = new long[parallel * 16];
        var readers = Enumerable.Range(0, parallel)
            .Select(i => Task.Run(() => client.ReadAsync(itemBytes, () => counts[i * 16]++, stop.Token)))
            .ToArray();
        await Task.Delay(warmup);

        self.Refresh();
        server.Refresh();
        var clientCpu0 = self.TotalProcessorTime;
        var serverCpu0 = server.TotalProcessorTime;
        var items0 = Sum(counts);
        var t0 = Stopwatch.GetTimestamp();
        await Task.Delay(duration);
        var items = Sum(counts) - items0;
        var elapsed = Stopwatch.GetElapsedTime(t0);
        self.Refresh();
        server.Refresh();
        var clientCpu = (self.TotalProcessorTime - clientCpu0).TotalNanoseconds;
        var serverCpu = (server.TotalProcessorTime - serverCpu0).TotalNanoseconds;
        await stop.CancelAsync();
        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(30));
        var perItem = items == 0 ? 0 : 1.0 / items;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ROW {peer.Name} {parallel} {items / elapsed.TotalSeconds:0.0} {(clientCpu + serverCpu) * perItem:0.0} {clientCpu * perItem:0.0} {serverCpu * perItem:0.0} {items}"));
        return 0;
    }

    /// <summary>The server process: serves until the orchestrator closes standard input.</summary>
    public static async Task<int> RunServerAsync(string[] args)
    {
        await using var server = await StreamPeers.Find(args[1]).StartServerAsync(address => Console.WriteLine($"READY {address} {Environment.ProcessId}"));
        while (await Console.In.ReadLineAsync() is not null)
        {
        }

        return 0;
    }

    private static long Sum(long[] counts)
    {
        long sum = 0;
        for (var i = 0; i < counts.Length; i += 16)
        {
            sum += Volatile.Read(ref counts[i]);
        }

        return sum;
    }

    private static double Median(List<StreamRow> runs, Func<StreamRow, double> figure)
    {
        if (runs.Count == 0)
        {
            return 0;
        }

        var sorted = runs.Select(figure).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<StreamRow> RunPeerAsync(string peer, int parallel, StreamOptions options)
    {
        using var server = DriverProcess.Start($"stream-server {peer}");
        try
        {
            var ready = await DriverProcess.ReadLineAsync(server, line => line.StartsWith("READY ", StringComparison.Ordinal), StartBound)
                ?? throw new InvalidOperationException($"the {peer} server did not start: {await server.StandardError.ReadToEndAsync()}");
            var fields = ready.Split(' ');
            using var client = DriverProcess.Start(string.Create(CultureInfo.InvariantCulture,
                $"stream-client {peer} {fields[1]} {fields[2]} {parallel} {options.ItemBytes} {(int)options.Warmup.TotalMilliseconds} {(int)options.Duration.TotalMilliseconds}"));
            try
            {
                var row = await DriverProcess.ReadLineAsync(client, line => line.StartsWith("ROW ", StringComparison.Ordinal), StartBound + options.Warmup + options.Duration)
                    ?? throw new InvalidOperationException($"the {peer} client failed: {await client.StandardError.ReadToEndAsync()}");
                var f = row.Split(' ');
                return new StreamRow(
                    f[1],
                    int.Parse(f[2], CultureInfo.InvariantCulture),
                    double.Parse(f[3], CultureInfo.InvariantCulture),
                    double.Parse(f[4], CultureInfo.InvariantCulture),
                    double.Parse(f[5], CultureInfo.InvariantCulture),
                    double.Parse(f[6], CultureInfo.InvariantCulture),
                    long.Parse(f[7], CultureInfo.InvariantCulture));
            }
            finally
            {
                await ExitOrKillAsync(client);
            }
        }
        finally
        {
            server.StandardInput.Close();
            await ExitOrKillAsync(server);
        }
    }

    private static async Task ExitOrKillAsync(Process process)
    {
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(exit.Token);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}

/// <summary>One measured row: a peer, how many streams at once, and its figures.</summary>
internal sealed record StreamRow(string Peer, int Streams, double ItemsPerSec, double CpuNsPerItem, double ClientNsPerItem, double ServerNsPerItem, long Items);

/// <summary>The stream scenario's command line.</summary>
internal sealed record StreamOptions(IReadOnlyList<string> Peers, IReadOnlyList<int> Parallel, int ItemBytes, TimeSpan Warmup, TimeSpan Duration, int Rounds)
{
    public static StreamOptions Parse(string[] args)
    {
        var options = new StreamOptions(["mesh", "grpc"], [1], 64, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5), 1);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--streams" => options,
                "--peers" => options with { Peers = [.. Next().Split(',').Select(p => StreamPeers.Find(p).Name)] },
                "--parallel" => options with { Parallel = [.. Next().Split(',').Select(Positive)] },
                "--item-bytes" => options with { ItemBytes = Positive(Next()) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--duration" => options with { Duration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--rounds" => options with { Rounds = Positive(Next()) },
                _ => throw new ArgumentException($"unknown stream option '{args[i]}'"),
            };
        }

        return options;
    }

    private static int Positive(string text)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"'{text}' is not a positive whole number");
}
