using System.Globalization;
using System.Text.Json;

namespace Mesh.Balancing.Driver;

/// <summary>
/// <c>run</c>: the real-process scenario. Starts 5 server processes with a per-call cost, then for each
/// policy (round-robin and the default unless --policies says) the scenario's client processes, each with one link to every server, under
/// concurrent load; prints per-server counts, throughput and latency percentiles for both, from the same
/// servers in the same run. Scenarios: <c>equal</c>, <c>one-slow</c> (the fifth 3× slower), <c>mixed-speeds</c>,
/// <c>slow-replica</c> (11 servers, one answering in 2 s, a 1 s deadline) and <c>sequential</c> (one caller, one call at a time).
/// </summary>
internal static class RunMode
{
    /// <summary>The scenarios: servers' cost factors, client processes, calls in flight per client, deadline, calls per client (0: timed).</summary>
    private static readonly Dictionary<string, Scenario> Scenarios = new(StringComparer.Ordinal)
    {
        ["equal"] = new([1, 1, 1, 1, 1], 2, 0, 0, 0),
        ["one-slow"] = new([1, 1, 1, 1, 3], 2, 0, 0, 0),
        // The simulator's mixed-speeds: 7 servers at 1x to 10x the cost.
        ["mixed-speeds"] = new([1, 1, 1.5, 2, 3, 5, 10], 2, 0, 0, 0),
        // Linkerd's slow replica scaled to this machine: 11 servers, one answering in 2 s (250 x 8 ms), a 1 s deadline.
        ["slow-replica"] = new([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 250], 2, 0, 1000, 0),
        // One caller, one call at a time, 3 equal servers, 300 calls.
        ["sequential"] = new([1, 1, 1], 1, 1, 0, 300),
        // Issue 18 item 4: one caller, 64 calls in flight over 8 servers, then over 128 (8 processes of 16 nodes).
        ["spread-8"] = new([.. Enumerable.Repeat(1.0, 8)], 1, 64, 0, 0),
        ["spread-128"] = new([.. Enumerable.Repeat(1.0, 8)], 1, 64, 0, 0, NodesPerProcess: 16),
    };

    public static async Task<int> RunAsync(Args args)
    {
        var seconds = args.Double("--seconds", 5);
        var warmup = args.Double("--warmup", 1);
        var concurrency = args.Int("--concurrency", 24);
        var costMs = args.Double("--cost-ms", 8);
        var capacity = args.Int("--capacity", 4);
        var scenarios = args.String("--scenarios", "equal,one-slow").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var policies = args.String("--policies", $"{Mesh.Balancing.LoadBalancingPolicies.RoundRobin},{Mesh.Balancing.LoadBalancingPolicies.Default}").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var json = args.Flag("--json");
        var apertureThreshold = args.Int("--aperture-threshold", new MeshOptions().ApertureThreshold);
        args.EnsureAllUsed();
        if (scenarios.FirstOrDefault(s => !Scenarios.ContainsKey(s)) is { } unknown)
        {
            throw new ArgumentException($"Unknown scenario '{unknown}'; --scenarios takes {string.Join(", ", Scenarios.Keys)}.");
        }

        if (policies.FirstOrDefault(p => !Mesh.Balancing.LoadBalancingPolicies.All.Contains(p, StringComparer.Ordinal)) is { } unknownPolicy)
        {
            throw new ArgumentException($"Unknown policy '{unknownPolicy}'; --policies takes {string.Join(", ", Mesh.Balancing.LoadBalancingPolicies.All)}.");
        }

        Console.WriteLine($"server processes with capacity {capacity}, {costMs} ms per call × the scenario's factor; client processes × {concurrency} calls in flight (unless the scenario says), {warmup} s warm-up + {seconds} s measured per policy");
        Console.WriteLine();
        Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-12} {1,-16} {2,9} {3,8} {4,8} {5,8} {6,7} {7,8}  {8}", "scenario", "policy", "calls/s", "p50 ms", "p99 ms", "p999 ms", "failed", "ok %", "calls per server"));
        var rows = new List<Row>();
        foreach (var scenario in scenarios)
        {
            var servers = new List<ChildProcess>();
            try
            {
                var endpoints = new List<string>();
                var spec = Scenarios[scenario];
                for (var i = 1; i <= spec.Factors.Length; i++)
                {
                    var factor = spec.Factors[i - 1].ToString(CultureInfo.InvariantCulture);
                    var server = ChildProcess.Start($"server --node-id s{i} --capacity {capacity} --cost-ms {costMs.ToString(CultureInfo.InvariantCulture)} --factor {factor} --nodes {spec.NodesPerProcess}");
                    servers.Add(server);
                    for (var node = 0; node < spec.NodesPerProcess; node++)
                    {
                        endpoints.Add(await server.ReadUntilAsync("LISTENING ", TimeSpan.FromSeconds(30)).ConfigureAwait(false));
                    }
                }

                foreach (var policy in policies)
                {
                    var row = await RunPolicyAsync(scenario, spec, policy, endpoints, spec.Concurrency > 0 ? spec.Concurrency : concurrency, warmup, seconds, apertureThreshold).ConfigureAwait(false);
                    rows.Add(row);
                    Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-12} {1,-16} {2,9:0} {3,8:0.00} {4,8:0.00} {5,8:0.00} {6,7} {7,8:0.000}  {8}",
                        row.Scenario, row.Policy, row.CallsPerSecond, row.P50Ms, row.P99Ms, row.P999Ms, row.Failed, row.OkPercent, string.Join(" ", row.Servers.Select(s => s.Calls))));
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

        return rows.All(r => r.Failed == 0 || Scenarios[r.Scenario].DeadlineMs > 0) ? 0 : 1;
    }

    private static async Task<Row> RunPolicyAsync(string scenario, Scenario spec, string policy, List<string> endpoints, int concurrency, double warmup, double seconds, int apertureThreshold)
    {
        var peers = string.Join(',', endpoints);
        var clients = Enumerable.Range(1, spec.Clients)
            .Select(i => ChildProcess.Start(string.Create(CultureInfo.InvariantCulture, $"client --node-id c{i} --peers {peers} --policy {policy} --concurrency {concurrency} --warmup {warmup} --seconds {seconds} --deadline-ms {spec.DeadlineMs} --calls {spec.Calls} --aperture-threshold {apertureThreshold}")))
            .ToList();
        try
        {
            var bound = TimeSpan.FromSeconds(warmup + seconds + 60);
            var lines = await Task.WhenAll(clients.Select(c => c.LastLineAsync(bound))).ConfigureAwait(false);
            var results = lines.Select((line, i) => JsonSerializer.Deserialize<ClientResult>(line, DriverJson.Options)
                ?? throw new InvalidOperationException($"client {i + 1} printed no result: {clients[i].Errors}")).ToList();
            var latencies = results.SelectMany(r => r.LatenciesUs).Order().ToArray();
            var names = Enumerable.Range(1, spec.Factors.Length)
                .SelectMany(i => spec.NodesPerProcess == 1 ? [$"s{i}"] : Enumerable.Range(1, spec.NodesPerProcess).Select(k => $"s{i}-{k}"));
            var servers = names.Select(name => new ServerRow(name, results.Sum(r => r.ByNode.GetValueOrDefault(name)))).ToList();
            Console.WriteLine($"# {scenario}: {endpoints.Count} servers, client linked to {string.Join(", ", results.Select(r => r.LinkedPeers))} (aperture threshold {apertureThreshold}), {servers.Count(s => s.Calls > 0)} servers served calls");
            return new Row(
                scenario,
                policy,
                latencies.Length / seconds,
                latencies.Length + results.Sum(r => r.Failed) == 0 ? 0 : 100.0 * latencies.Length / (latencies.Length + results.Sum(r => r.Failed)),
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

    private sealed record Scenario(double[] Factors, int Clients, int Concurrency, int DeadlineMs, int Calls, int NodesPerProcess = 1);

    private sealed record Row(string Scenario, string Policy, double CallsPerSecond, double OkPercent, double P50Ms, double P99Ms, double P999Ms, int Failed, IReadOnlyList<ServerRow> Servers);

    private sealed record ServerRow(string Name, int Calls);
}
