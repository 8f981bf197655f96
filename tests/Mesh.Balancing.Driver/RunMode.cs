using System.Globalization;
using System.Text.Json;

namespace Mesh.Balancing.Driver;

/// <summary>
/// <c>run</c>: the real-process scenario. Starts 5 server processes with a per-call cost, then for each
/// policy (round-robin, then the default) 2 client processes, each with one link to every server, under
/// concurrent load; prints per-server counts, throughput and latency percentiles for both, from the same
/// servers in the same run. Scenarios: <c>equal</c> servers, and <c>one-slow</c> (the fifth 3× slower).
/// </summary>
internal static class RunMode
{
    private static readonly string[] Policies = [Mesh.Balancing.LoadBalancingPolicies.RoundRobin, Mesh.Balancing.LoadBalancingPolicies.Default];

    public static async Task<int> RunAsync(Args args)
    {
        var seconds = args.Double("--seconds", 5);
        var warmup = args.Double("--warmup", 1);
        var concurrency = args.Int("--concurrency", 24);
        var costMs = args.Double("--cost-ms", 8);
        var capacity = args.Int("--capacity", 4);
        var scenarios = args.String("--scenarios", "equal,one-slow").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var json = args.Flag("--json");
        args.EnsureAllUsed();
        if (scenarios.Any(s => s is not ("equal" or "one-slow")))
        {
            throw new ArgumentException("--scenarios takes 'equal' and/or 'one-slow'.");
        }

        Console.WriteLine($"5 server processes (capacity {capacity}, {costMs} ms per call), 2 client processes × {concurrency} calls in flight, {warmup} s warm-up + {seconds} s measured per policy");
        Console.WriteLine();
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-9} {1,-11} {2,9} {3,8} {4,8} {5,8} {6,7}  {7}", "scenario", "policy", "calls/s", "p50 ms", "p99 ms", "p999 ms", "failed", "calls per server (s1..s5)"));
        var rows = new List<Row>();
        foreach (var scenario in scenarios)
        {
            var servers = new List<ChildProcess>();
            try
            {
                var endpoints = new List<string>();
                for (var i = 1; i <= 5; i++)
                {
                    var factor = scenario == "one-slow" && i == 5 ? 3 : 1;
                    var server = ChildProcess.Start($"server --node-id s{i} --capacity {capacity} --cost-ms {costMs.ToString(CultureInfo.InvariantCulture)} --factor {factor}");
                    servers.Add(server);
                    endpoints.Add(await server.ReadUntilAsync("LISTENING ", TimeSpan.FromSeconds(30)).ConfigureAwait(false));
                }

                foreach (var policy in Policies)
                {
                    var row = await RunPolicyAsync(scenario, policy, endpoints, concurrency, warmup, seconds).ConfigureAwait(false);
                    rows.Add(row);
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-9} {1,-11} {2,9:0} {3,8:0.00} {4,8:0.00} {5,8:0.00} {6,7}  {7}",
                        row.Scenario, row.Policy, row.CallsPerSecond, row.P50Ms, row.P99Ms, row.P999Ms, row.Failed, string.Join(" ", row.Servers.Select(s => s.Calls))));
                }
            }
            finally
            {
                await Task.WhenAll(servers.Select(s => s.StopAsync(TimeSpan.FromSeconds(15)))).ConfigureAwait(false);
                servers.ForEach(s => s.Dispose());
            }
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(rows, DriverJson.Options));
        }

        return rows.All(r => r.Failed == 0) ? 0 : 1;
    }

    private static async Task<Row> RunPolicyAsync(string scenario, string policy, List<string> endpoints, int concurrency, double warmup, double seconds)
    {
        var peers = string.Join(',', endpoints);
        var clients = Enumerable.Range(1, 2)
            .Select(i => ChildProcess.Start(string.Create(CultureInfo.InvariantCulture, $"client --node-id c{i} --peers {peers} --policy {policy} --concurrency {concurrency} --warmup {warmup} --seconds {seconds}")))
            .ToList();
        try
        {
            var bound = TimeSpan.FromSeconds(warmup + seconds + 60);
            var lines = await Task.WhenAll(clients.Select(c => c.LastLineAsync(bound))).ConfigureAwait(false);
            var results = lines.Select((line, i) => JsonSerializer.Deserialize<ClientResult>(line, DriverJson.Options)
                ?? throw new InvalidOperationException($"client {i + 1} printed no result: {clients[i].Errors}")).ToList();
            var latencies = results.SelectMany(r => r.LatenciesUs).Order().ToArray();
            var servers = Enumerable.Range(1, 5)
                .Select(i => new ServerRow($"s{i}", results.Sum(r => r.ByNode.GetValueOrDefault($"s{i}"))))
                .ToList();
            return new Row(
                scenario,
                policy,
                latencies.Length / seconds,
                Percentile(latencies, 0.50),
                Percentile(latencies, 0.99),
                Percentile(latencies, 0.999),
                results.Sum(r => r.Failed),
                servers);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    private static double Percentile(long[] sorted, double p)
        => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)] / 1000.0;

    private sealed record Row(string Scenario, string Policy, double CallsPerSecond, double P50Ms, double P99Ms, double P999Ms, int Failed, IReadOnlyList<ServerRow> Servers);

    private sealed record ServerRow(string Name, int Calls);
}
