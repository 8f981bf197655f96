using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Mesh.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks;

/// <summary>
/// A node calling a service it hosts itself, listed among its own peers: over its loopback link
/// (<see cref="LocalCallMode.Network"/>) or in-process (<see cref="LocalCallMode.ShortCircuit"/>).
/// </summary>
[MemoryDiagnoser]
public class LocalCallBenchmarks
{
    private const int CallsPerInvoke = 1000;
    private IHost _node = null!;
    private IPingService _ping = null!;

    [Params(LocalCallMode.Network, LocalCallMode.ShortCircuit)]
    public LocalCallMode Mode { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var discovery = new SelfDiscovery();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IPeerDiscovery>(discovery);
        builder.Services.AddMesh(o =>
            {
                o.NodeId = "bench-self";
                o.AllowPlaintext = true;
                o.ListenEndpoint = "127.0.0.1:0";
                o.LocalCalls = Mode;
            })
            .AddService<IPingService, PingService>()
            .AddClient<IPingService>();
        _node = builder.Build();
        _node.Start();
        var node = _node.Services.GetRequiredService<IMeshNode>();
        discovery.Self.SetResult(new DiscoveredPeer("127.0.0.1", node.ListenEndPoint!.Port));
        node.WaitForPeersAsync(Invocation.MeshServiceRegistry.Get<IPingService>().Name, 1, CancellationToken.None)
            .Wait(TimeSpan.FromSeconds(30));
        _ping = _node.Services.GetRequiredService<IPingService>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _node.StopAsync().GetAwaiter().GetResult();
        _node.Dispose();
    }

    /// <summary>One call at a time.</summary>
    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public Task<int> Sequential() => RoundTripBenchmarks.CallSequentiallyAsync(_ping, CallsPerInvoke);

    /// <summary>Lists the node itself once its port is known.</summary>
    private sealed class SelfDiscovery : IPeerDiscovery
    {
        public TaskCompletionSource<DiscoveredPeer> Self { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async IAsyncEnumerable<IReadOnlyList<DiscoveredPeer>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            yield return [await Self.Task.WaitAsync(cancellationToken).ConfigureAwait(false)];
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
    }
}
