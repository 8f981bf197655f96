using System.Diagnostics;
using Mesh.LoadDriver.Peers;

namespace Mesh.LoadDriver;

/// <summary>
/// The client process: for each concurrency, that many callers loop on Ping; after the warm-up, calls,
/// latencies and the CPU time of both processes are measured over the fixed duration.
/// </summary>
internal static class LoadClient
{
    public static async Task<List<ResultRow>> RunAsync(IPeer peer, IPingClient client, int serverPid, DriverOptions options, Action<ResultRow> report)
    {
        using var server = Process.GetProcessById(serverPid);
        using var self = Process.GetCurrentProcess();
        var rows = new List<ResultRow>();
        foreach (var concurrency in options.Concurrency)
        {
            var run = new Run(concurrency);
            var callers = Enumerable.Range(0, concurrency).Select(i => Task.Run(() => CallerAsync(client, run, i))).ToArray();
            await Task.Delay(options.Warmup);

            self.Refresh();
            server.Refresh();
            var clientCpu0 = self.TotalProcessorTime;
            var serverCpu0 = server.TotalProcessorTime;
            var t0 = Stopwatch.GetTimestamp();
            Volatile.Write(ref run.Measuring, true);
            await Task.Delay(options.Duration);
            Volatile.Write(ref run.Measuring, false);
            var elapsed = Stopwatch.GetElapsedTime(t0);
            self.Refresh();
            server.Refresh();
            var clientCpu = self.TotalProcessorTime - clientCpu0;
            var serverCpu = server.TotalProcessorTime - serverCpu0;

            run.Stop = true;
            await Task.WhenAll(callers);
            var histogram = new LatencyHistogram();
            foreach (var h in run.Histograms)
            {
                histogram.Add(h);
            }

            var calls = histogram.Count;
            var perCall = calls == 0 ? 0 : 1.0 / calls;
            var row = new ResultRow(
                peer.Name,
                concurrency,
                calls / elapsed.TotalSeconds,
                histogram.PercentileMicroseconds(0.50),
                histogram.PercentileMicroseconds(0.99),
                histogram.PercentileMicroseconds(0.999),
                (clientCpu + serverCpu).TotalMicroseconds * perCall,
                clientCpu.TotalMicroseconds * perCall,
                serverCpu.TotalMicroseconds * perCall,
                calls,
                run.Errors);
            rows.Add(row);
            report(row);
        }

        return rows;
    }

    private static async Task CallerAsync(IPingClient client, Run run, int worker)
    {
        var histogram = run.Histograms[worker];
        var value = 0;
        while (!run.Stop)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                var result = await client.PingAsync(worker, value).ConfigureAwait(false);
                if (result != value + 1)
                {
                    throw new InvalidOperationException($"Ping({value}) returned {result}");
                }
            }
            catch (Exception) when (!run.Stop)
            {
                Interlocked.Increment(ref run.Errors);
                continue;
            }

            var ticks = Stopwatch.GetTimestamp() - start;
            if (Volatile.Read(ref run.Measuring))
            {
                histogram.Record(ticks);
            }

            value++;
        }
    }

    private sealed class Run(int concurrency)
    {
        public readonly LatencyHistogram[] Histograms = [.. Enumerable.Range(0, concurrency).Select(_ => new LatencyHistogram())];
        public bool Measuring;
        public volatile bool Stop;
        public long Errors;
    }
}
