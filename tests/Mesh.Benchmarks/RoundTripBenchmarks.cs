using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks;

/// <summary>
/// Generated proxy → router → link → loopback TCP → server link → generated dispatcher → implementation and
/// back, both nodes in this process. Allocated bytes are the whole process's (both sides) per call.
/// </summary>
[MemoryDiagnoser]
public class RoundTripBenchmarks
{
    /// <summary>Calls one <see cref="Concurrent64"/> makes.</summary>
    public const int CallsPerConcurrentInvoke = Workers * CallsPerWorker;

    private const int CallsPerInvoke = 1000;
    private static double _sink;
    private const int Workers = 64;
    private const int CallsPerWorker = 100;
    private IHost _server = null!;
    private IHost _client = null!;
    private IPingService _ping = null!;
    private Task<int>[] _workers = null!;
    private MeterListener? _meters;
    private ActivityListener? _spans;

    /// <summary>
    /// With telemetry on, every Mesh instrument is listened to (measurements summed, as an exporter's aggregation
    /// would) and every call is traced (spans sampled and recorded, then dropped): the cost of observing a call.
    /// </summary>
    [Params(false, true)]
    public bool Telemetry { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Telemetry)
        {
            _meters = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == "Mesh")
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            _meters.SetMeasurementEventCallback<double>(static (_, value, _, _) => Interlocked.Exchange(ref _sink, value));
            _meters.SetMeasurementEventCallback<long>(static (_, value, _, _) => Interlocked.Exchange(ref _sink, value));
            _meters.Start();
            _spans = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Mesh",
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_spans);
        }

        var serverBuilder = Host.CreateApplicationBuilder();
        serverBuilder.Logging.ClearProviders();
        serverBuilder.Services.AddMesh(o =>
            {
                o.NodeId = "bench-server";
                o.AllowPlaintext = true;
                o.ListenEndpoint = "127.0.0.1:0";
            })
            .AddService<IPingService, PingService>();
        _server = serverBuilder.Build();
        _server.Start();
        var endPoint = _server.Services.GetRequiredService<IMeshNode>().ListenEndPoint!;

        var clientBuilder = Host.CreateApplicationBuilder();
        clientBuilder.Logging.ClearProviders();
        clientBuilder.Services.AddMesh(o =>
            {
                o.NodeId = "bench-client";
                o.AllowPlaintext = true;
            })
            .UseStaticPeers(endPoint.ToString())
            .AddClient<IPingService>();
        _client = clientBuilder.Build();
        _client.Start();
        _client.Services.GetRequiredService<IMeshNode>()
            .WaitForPeersAsync(Invocation.MeshServiceRegistry.Get<IPingService>().Name, 1, CancellationToken.None)
            .Wait(TimeSpan.FromSeconds(30));
        _ping = _client.Services.GetRequiredService<IPingService>();
        _workers = new Task<int>[Workers];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meters?.Dispose();
        _spans?.Dispose();
        _client.StopAsync().GetAwaiter().GetResult();
        _server.StopAsync().GetAwaiter().GetResult();
        _client.Dispose();
        _server.Dispose();
    }

    /// <summary>One call at a time: latency-bound.</summary>
    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public Task<int> Sequential() => CallSequentiallyAsync(_ping, CallsPerInvoke);

    /// <summary>Makes <paramref name="calls"/> calls one after another (shared with <see cref="LocalCallBenchmarks"/>).</summary>
    internal static async Task<int> CallSequentiallyAsync(IPingService ping, int calls)
    {
        var sum = 0;
        for (var i = 0; i < calls; i++)
        {
            sum += await ping.Ping(i).ConfigureAwait(false);
        }

        return sum;
    }

    /// <summary>64 callers at once on the one link: writes and reads are batched.</summary>
    [Benchmark(OperationsPerInvoke = Workers * CallsPerWorker)]
    public async Task<int> Concurrent64()
    {
        for (var w = 0; w < Workers; w++)
        {
            _workers[w] = WorkerAsync(_ping);
        }

        var sum = 0;
        foreach (var worker in _workers)
        {
            sum += await worker.ConfigureAwait(false);
        }

        return sum;
    }

    /// <summary>The client's proxy (for the allocation probe's other shapes).</summary>
    internal IPingService Client => _ping;

    private static async Task<int> WorkerAsync(IPingService ping)
    {
        await Task.Yield();
        var sum = 0;
        for (var i = 0; i < CallsPerWorker; i++)
        {
            sum += await ping.Ping(i).ConfigureAwait(false);
        }

        return sum;
    }
}
