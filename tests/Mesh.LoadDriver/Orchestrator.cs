using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Mesh.LoadDriver;

/// <summary>Runs each peer's server and client as separate processes, collects the rows, prints the table.</summary>
internal static class Orchestrator
{
    private static readonly TimeSpan StartBound = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(DriverOptions options)
    {
        Console.WriteLine($"Mesh load driver: peers {string.Join(", ", options.Peers)}; concurrency {string.Join("/", options.Concurrency)}; " +
                          $"warm-up {options.Warmup.TotalSeconds:0.#} s, measured {options.Duration.TotalSeconds:0.#} s per row; " +
                          $"{options.Rounds} round(s); {Environment.ProcessorCount} cores; " +
                          $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, .NET {Environment.Version}");
        foreach (var name in options.Peers)
        {
            var peer = LoadDriver.Peers.Peers.Find(name);
            Console.WriteLine($"  {peer.Name,-9} {peer.Configuration}");
        }

        using var certificates = options.Peers.Any(p => p.EndsWith("-tls", StringComparison.Ordinal)) ? DriverCertificates.Create() : null;
        var measured = new List<ResultRow>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            if (options.Rounds > 1)
            {
                Console.WriteLine($"round {round} of {options.Rounds}");
            }

            // Concurrency by concurrency, every peer in turn: the rows a ratio compares are measured back to back,
            // so a drift in the machine's load moves both.
            foreach (var concurrency in options.Concurrency)
            {
                foreach (var peer in options.Peers)
                {
                    measured.AddRange(await RunPeerAsync(peer, [concurrency], options));
                }
            }
        }

        var rows = options.Rounds == 1
            ? [.. measured.OrderBy(r => options.Peers.ToList().IndexOf(r.Peer)).ThenBy(r => r.Concurrency)]
            : Medians(measured, options);

        Report.Print(rows, options.Concurrency);
        var failed = rows.Where(r => r.Calls == 0 || r.Errors > 0).ToList();
        if (options.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows, ResultJson.Default.ListResultRow));
        }

        if (failed.Count > 0 || rows.Count != options.Peers.Count * options.Concurrency.Count)
        {
            Console.Error.WriteLine($"{failed.Count} rows had errors or no calls; {rows.Count} of {options.Peers.Count * options.Concurrency.Count} rows measured.");
            return 1;
        }

        return 0;
    }

    /// <summary>Per peer and concurrency, the median of each figure over the rounds (errors and calls summed).</summary>
    private static List<ResultRow> Medians(List<ResultRow> measured, DriverOptions options)
    {
        var rows = new List<ResultRow>();
        foreach (var peer in options.Peers)
        {
            foreach (var concurrency in options.Concurrency)
            {
                var runs = measured.Where(r => r.Peer == peer && r.Concurrency == concurrency).ToList();
                if (runs.Count == 0)
                {
                    continue;
                }

                rows.Add(new ResultRow(
                    peer,
                    concurrency,
                    Median(runs, r => r.CallsPerSec),
                    Median(runs, r => r.P50Us),
                    Median(runs, r => r.P99Us),
                    Median(runs, r => r.P999Us),
                    Median(runs, r => r.CpuUsPerCall),
                    Median(runs, r => r.ClientCpuUsPerCall),
                    Median(runs, r => r.ServerCpuUsPerCall),
                    runs.Sum(r => r.Calls),
                    runs.Sum(r => r.Errors)));
            }
        }

        return rows;
    }

    private static double Median(List<ResultRow> runs, Func<ResultRow, double> figure)
    {
        var sorted = runs.Select(figure).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<List<ResultRow>> RunPeerAsync(string peer, IReadOnlyList<int> concurrency, DriverOptions options)
    {
        using var server = DriverProcess.Start($"server {peer}");
        var rows = new List<ResultRow>();
        try
        {
            var ready = await ReadUntilAsync(server, line => line.StartsWith("READY ", StringComparison.Ordinal), StartBound);
            // "READY <address> <pid>": the server names its own process, which is the one whose CPU time counts.
            var fields = ready.Split(' ');
            using var client = DriverProcess.Start($"client {peer} {fields[1]} {fields[2]} {options.ToClientArguments(concurrency)}");
            var perRow = options.Warmup + options.Duration + TimeSpan.FromSeconds(10);
            try
            {
                var bound = StartBound + (perRow * concurrency.Count);
                using var timeout = new CancellationTokenSource(bound);
                while (await client.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
                {
                    if (line.StartsWith("ROW ", StringComparison.Ordinal))
                    {
                        var row = JsonSerializer.Deserialize(line[4..], ResultJson.Default.ResultRow)!;
                        rows.Add(row);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {row.Peer,-8} c={row.Concurrency,-4} {row.CallsPerSec,10:0} calls/s  p50 {row.P50Us,8:0.0} us  p99 {row.P99Us,8:0.0} us  cpu {row.CpuUsPerCall,6:0.0} us/call"));
                    }
                }

                await client.WaitForExitAsync(timeout.Token);
                if (client.ExitCode != 0)
                {
                    Console.Error.WriteLine($"the {peer} client exited with {client.ExitCode}: {await client.StandardError.ReadToEndAsync(timeout.Token)}");
                }
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"the {peer} client did not finish in time");
            }
            finally
            {
                Kill(client);
            }
        }
        finally
        {
            server.StandardInput.Close();
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await server.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                Kill(server);
            }
        }

        return rows;
    }

    private static async Task<string> ReadUntilAsync(Process process, Func<string, bool> match, TimeSpan bound)
    {
        if (await DriverProcess.ReadLineAsync(process, match, bound) is { } line)
        {
            return line;
        }

        Kill(process);
        throw new InvalidOperationException($"the server did not start within {bound}: {await process.StandardError.ReadToEndAsync()}");
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
