using System.Diagnostics;
using Mesh.Kubernetes.Tests.FakeApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shop;
using Xunit.Abstractions;

namespace Mesh.Functional.Tests;

/// <summary>
/// Three shop back-end processes on distinct loopback addresses, discovering each other through the fake
/// Kubernetes API (kubeconfig), and this process as a client node driving load through the same discovery.
/// </summary>
public sealed class KubernetesFunctionalTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Service = "shop-backend";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("mesh-k8s-").FullName;
    private readonly List<ShopProcess> _nodes = [];
    private FakeKubernetesApi _api = null!;
    private IHost _client = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubernetesApi.StartAsync();
        // The back-ends listen on 127.x addresses (the real API server would refuse them; see Mesh.Kubernetes.Tests' real-server tests).
        _api.AllowLoopbackEndpoints = true;
        var kubeConfig = Path.Combine(_directory, "kubeconfig");
        await File.WriteAllTextAsync(kubeConfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {_api.Host}
            contexts:
            - name: fake
              context:
                cluster: fake
                namespace: mesh-test
                user: fake
            current-context: fake
            users:
            - name: fake
              user:
                token: not-a-real-token
            """);

        // A random 127.a.b.0/24 keeps parallel runs on this machine apart; every node uses port 7800, as Pods do.
        var prefix = $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}.";
        var starts = Enumerable.Range(1, 3).Select(i => ShopProcess.StartAsync($"backend-{i}", prefix + (i + 1), kubeConfig, Service, Bound)).ToList();
        foreach (var start in starts)
        {
            _nodes.Add(await start);
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services
            .AddMesh(mesh =>
            {
                mesh.NodeId = "load-driver";
                mesh.AllowPlaintext = true;
            })
            .UseKubernetesDiscovery(options =>
            {
                options.ServiceName = Service;
                options.Configuration = _api.ClientConfiguration();
            })
            .AddClient<IInventory>();
        _client = builder.Build();
        await _client.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _api.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ScaleViaEndpointSlices_NewNodeIsCalledSoonAfterItIsListedReady()
    {
        // The readiness probe the Deployment uses answers on every node's HTTP port.
        using (var http = new HttpClient { Timeout = Bound })
        {
            foreach (var node in _nodes)
            {
                using var ready = await http.GetAsync(new Uri($"http://{node.Address}:8080{HealthEndpoints.ReadyPath}"));
                Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
            }
        }

        Publish(_nodes[0], _nodes[1]);
        await WaitForPeersAsync("backend-1", "backend-2");
        var load = new LoadDriver(_client.Services.GetRequiredService<IInventory>(), concurrency: 8, reserve: false);
        await load.WaitForCallsAsync(500, Bound);

        var samples = new List<double>();
        for (var round = 1; round <= 3; round++)
        {
            // "Ready in the API": the moment the slice lists backend-3 ready.
            var listed = Stopwatch.GetTimestamp();
            Publish(_nodes[0], _nodes[1], _nodes[2]);
            var firstCall = await load.FirstServedByAsync("backend-3", listed).WaitAsync(Bound);
            samples.Add(Stopwatch.GetElapsedTime(listed, firstCall).TotalMilliseconds);

            // Scale down again: once the client's peer set drops backend-3, no call starts on it.
            Publish(_nodes[0], _nodes[1]);
            await WaitForPeersAsync("backend-1", "backend-2");
            var dropped = Stopwatch.GetTimestamp();
            await load.WaitForCallsAsync(300, Bound);
            var calls = load.Snapshot();
            Assert.DoesNotContain(calls, c => c.Node == "backend-3" && c.Started > dropped);
        }

        var all = await load.StopAsync();
        Assert.Empty(load.Failures);
        output.WriteLine($"ready-in-API -> first call served by the new node, 3 rounds: {string.Join(", ", samples.Select(s => $"{s:0.0} ms"))} (median {samples.Order().ElementAt(1):0.0} ms)");
        output.WriteLine($"calls: {all.Length}, failed: {load.Failures.Count}; per node: {string.Join(", ", all.GroupBy(c => c.Node).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}"))}");
    }

    [Fact]
    public async Task SigtermOneOfThreeUnderLoad_ZeroFailedCalls()
    {
        Publish(_nodes[0], _nodes[1], _nodes[2]);
        await WaitForPeersAsync("backend-1", "backend-2", "backend-3");
        var load = new LoadDriver(_client.Services.GetRequiredService<IInventory>(), concurrency: 16, reserve: true);
        await load.WaitForCallsAsync(3000, Bound);

        // SIGTERM backend-2. The EndpointSlice is left unchanged until the process has exited (the worst
        // order Kubernetes allows): only the node's own go-away keeps callers from sending it new calls.
        var victim = _nodes[1];
        var sigterm = Stopwatch.GetTimestamp();
        victim.Terminate();
        await victim.WaitForExitAsync(Bound);
        var exited = Stopwatch.GetTimestamp();
        Publish(_nodes[0], new Ep(victim.Address, Ready: false, Serving: false, Terminating: true), _nodes[2]);
        Publish(_nodes[0], _nodes[2]);
        await WaitForPeersAsync("backend-1", "backend-3");
        await load.WaitForCallsAsync(3000, Bound);
        var calls = await load.StopAsync();

        Assert.Empty(load.Failures);
        Assert.Equal(0, victim.ExitCode);
        Assert.DoesNotContain(calls, c => c.Node == victim.NodeId && c.Started > exited);
        var before = calls.Where(c => c.Ended <= sigterm).ToList();
        var after = calls.Where(c => c.Started > sigterm).ToList();
        var servedByVictim = calls.Count(c => c.Node == victim.NodeId);
        Assert.Contains($"{victim.NodeId} stopped: {servedByVictim} calls served", victim.Output, StringComparison.Ordinal);
        Assert.True(after.Count(c => c.Node != victim.NodeId) >= 3000);

        output.WriteLine($"drain of {victim.NodeId} under 16 concurrent callers: exited {Stopwatch.GetElapsedTime(sigterm, exited).TotalMilliseconds:0} ms after SIGTERM (exit code {victim.ExitCode})");
        output.WriteLine($"calls before SIGTERM: {before.Count} ({PerNode(before)})");
        output.WriteLine($"calls after SIGTERM: {after.Count} ({PerNode(after)})");
        output.WriteLine($"calls in flight across SIGTERM: {calls.Length - before.Count - after.Count}; {victim.NodeId} served {servedByVictim} in total (its own count agrees); failed calls: {load.Failures.Count}");
    }

    private static string PerNode(IEnumerable<LoadDriver.Call> calls)
        => string.Join(", ", calls.GroupBy(c => c.Node).OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}"));

    private void Publish(params object[] endpoints)
        => _api.Apply(Slices.Of("shop-backend-abc12", Service, 7800, [.. endpoints.Select(e => e is ShopProcess p ? new Ep(p.Address) : (Ep)e)]));

    private Task WaitForPeersAsync(params string[] nodes)
        => _client.Services.GetRequiredService<IMeshNode>().WaitForPeersAsync(
            peers => peers.Select(p => p.NodeId).Order(StringComparer.Ordinal).SequenceEqual(nodes),
            CancellationToken.None).WaitAsync(Bound);
}
