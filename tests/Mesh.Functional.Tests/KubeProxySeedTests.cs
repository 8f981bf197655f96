using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mesh.Kubernetes.Tests.RealApi;
using Xunit.Abstractions;

namespace Mesh.Functional.Tests;

/// <summary>
/// The seed's problem with real processes: 5 server Pods behind a kube-proxy-style virtual IP (iptables DNAT
/// in a network namespace this test creates, picking a backend at random once per connection). Callers that
/// link through the virtual IP, as an app does through a plain Service, stay on the one Pod their connection
/// landed on; callers that know every Pod (Mesh discovery) spread calls over all five.
/// </summary>
public sealed class KubeProxySeedTests(ITestOutputHelper output)
{
    private const string VirtualIp = "10.96.0.10";
    private const int Port = 7800;
    private static readonly string[] Pods = ["10.77.1.1", "10.77.1.2", "10.77.1.3", "10.77.1.4", "10.77.1.5"];
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string Iptables => Environment.GetEnvironmentVariable("MESH_IPTABLES")!;

    [KubeProxyFact]
    public async Task VirtualIpVersusDiscovery_ThroughTheVipCallersReachOnePodEachWithDiscoveryAllFive()
    {
        await using var network = await NetworkNamespace.CreateAsync([VirtualIp, .. Pods]);
        await ProgramKubeProxyAsync(network);
        var servers = new List<Server>();
        try
        {
            for (var i = 0; i < Pods.Length; i++)
            {
                servers.Add(await Server.StartAsync(network, i, factor: 1));
            }

            // Half 1: two callers link to the Service's virtual IP.
            var throughVip = await Task.WhenAll(
                RunClientAsync(network, $"{VirtualIp}:{Port}", "vip-caller-1"),
                RunClientAsync(network, $"{VirtualIp}:{Port}", "vip-caller-2"));
            var vipPods = throughVip.SelectMany(r => r.ByNode.Keys).ToHashSet(StringComparer.Ordinal);
            Report("through the virtual IP (2 callers)", throughVip);

            // Half 2: two callers link to every Pod, one with the default (load-aware) policy, one round-robin.
            // Round-robin's spread is the mesh's reach alone (asserted); the default's follows measured load
            // and so the machine's noise (reported).
            var everyPod = string.Join(',', Pods.Select(p => $"{p}:{Port}"));
            var withDiscovery = await Task.WhenAll(
                RunClientAsync(network, everyPod, "mesh-caller-default"),
                RunClientAsync(network, everyPod, "mesh-caller-rr", "RoundRobin"));
            var perPod = withDiscovery[1].ByNode;
            Report("with Mesh discovery, default policy", [withDiscovery[0]]);
            Report("with Mesh discovery, round-robin", [withDiscovery[1]]);

            // One Pod 3x slower: the default policy against round-robin, one caller each, one after the other.
            await servers[4].DisposeAsync();
            servers[4] = await Server.StartAsync(network, 4, factor: 3);
            var loadAware = await RunClientAsync(network, everyPod, "mesh-caller-default");
            var roundRobin = await RunClientAsync(network, everyPod, "mesh-caller-rr", "RoundRobin");
            Report("pod-5 3x slower, default policy", [loadAware]);
            Report("pod-5 3x slower, round-robin", [roundRobin]);

            Assert.All(throughVip.Concat(withDiscovery).Append(loadAware).Append(roundRobin), r => Assert.Equal(0, r.Failed));
            // One link per caller through the VIP: it lands on one Pod and stays there.
            Assert.All(throughVip, r => Assert.Single(r.ByNode));
            Assert.InRange(vipPods.Count, 1, 2);
            Assert.All(withDiscovery, r => Assert.Equal(5, r.ByNode.Count));
            var mean = perPod.Values.Average();
            Assert.True(perPod.Values.Max() / mean <= 1.10, $"max/mean {perPod.Values.Max() / mean:0.000}");
            Assert.True(Share(loadAware, "pod-5") < Share(roundRobin, "pod-5"), $"slow pod's share: default {Share(loadAware, "pod-5"):0.000}, round-robin {Share(roundRobin, "pod-5"):0.000}");
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>kube-proxy's iptables mode for one Service port: the n-th of k rules matches with probability 1/(k-n).</summary>
    private static async Task ProgramKubeProxyAsync(NetworkNamespace network)
    {
        await network.ExecAsync(Iptables, "-t", "nat", "-N", "MESH-SVC");
        await network.ExecAsync(Iptables, "-t", "nat", "-A", "OUTPUT", "-d", $"{VirtualIp}/32", "-p", "tcp", "--dport", $"{Port}", "-j", "MESH-SVC");
        for (var i = 0; i < Pods.Length; i++)
        {
            string[] random = i < Pods.Length - 1
                ? ["-m", "statistic", "--mode", "random", "--probability", (1.0 / (Pods.Length - i)).ToString("0.00000", CultureInfo.InvariantCulture)]
                : [];
            await network.ExecAsync([Iptables, "-t", "nat", "-A", "MESH-SVC", "-p", "tcp", .. random, "-j", "DNAT", "--to-destination", $"{Pods[i]}:{Port}"]);
        }
    }

    private static Dictionary<string, int> Merge(IEnumerable<ClientRun> runs)
    {
        var merged = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (node, calls) in runs.SelectMany(r => r.ByNode))
        {
            merged[node] = merged.GetValueOrDefault(node) + calls;
        }

        return merged;
    }

    private static double Share(ClientRun run, string node) => (double)run.ByNode.GetValueOrDefault(node) / run.ByNode.Values.Sum();

    private void Report(string what, IReadOnlyList<ClientRun> runs)
    {
        var perPod = Merge(runs);
        var latencies = runs.SelectMany(r => r.LatenciesUs).Order().ToList();
        var p99 = latencies.Count == 0 ? 0 : latencies[(int)(latencies.Count * 0.99)] / 1000.0;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {string.Join(", ", Enumerable.Range(1, Pods.Length).Select(i => $"pod-{i} {perPod.GetValueOrDefault($"pod-{i}")}"))}; pods reached {perPod.Count}; max/mean {(perPod.Count == 0 ? 0 : perPod.Values.Max() / perPod.Values.Average()):0.000} over reached pods; p99 {p99:0.0} ms"));
    }

    private static async Task<ClientRun> RunClientAsync(NetworkNamespace network, string peers, string nodeId, string? policy = null)
    {
        string[] arguments = [Driver(), "client", "--peers", peers, "--node-id", nodeId, "--concurrency", "16", "--warmup", "0.5", "--seconds", "2", .. policy is null ? Array.Empty<string>() : ["--policy", policy]];
        var start = network.StartInfo("dotnet", arguments);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"caller {nodeId} did not finish within {Bound}: {await stderr}");
        }

        var last = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        Assert.True(last is not null && last.StartsWith('{'), $"caller {nodeId} printed no result ({process.ExitCode}): {await stderr}");
        return JsonSerializer.Deserialize<ClientRun>(last, Json)!;
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static string Driver() => SampleAssembly.Path("tests", "Mesh.Balancing.Driver");

    private sealed record ClientRun(string Policy, int Failed, Dictionary<string, int> ByNode, long[] LatenciesUs);

    /// <summary>A driver server process on one Pod address; stops (draining) when its standard input closes.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly Process _process;

        private Server(Process process) => _process = process;

        public static async Task<Server> StartAsync(NetworkNamespace network, int index, double factor)
        {
            var start = network.StartInfo("dotnet", [Driver(), "server", "--node-id", $"pod-{index + 1}", "--listen", $"{Pods[index]}:{Port}", "--factor", factor.ToString(CultureInfo.InvariantCulture)]);
            start.RedirectStandardInput = true;
            var server = new Server(Process.Start(start)!);
            server._process.ErrorDataReceived += (_, _) => { };
            server._process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(Bound);
            while (await server._process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (line.StartsWith("LISTENING", StringComparison.Ordinal))
                {
                    return server;
                }
            }

            await server.DisposeAsync();
            throw new InvalidOperationException($"server pod-{index + 1} ended before listening");
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }

            _process.Dispose();
        }
    }
}

/// <summary>
/// Needs root, <c>ip netns</c> and iptables: skipped only when <c>MESH_IPTABLES</c> is unset (.ci/run installs
/// iptables and sets it, so in CI a missing iptables fails the test).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class KubeProxyFactAttribute : FactAttribute
{
    public KubeProxyFactAttribute()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("MESH_IPTABLES")))
        {
            Skip = "MESH_IPTABLES is unset: no iptables to build the virtual IP with (.ci/run sets it).";
        }
    }
}
