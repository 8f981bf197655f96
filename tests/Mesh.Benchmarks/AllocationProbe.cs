using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Mesh.Benchmarks;

/// <summary>
/// Counts what the concurrent round trip allocates per call, for each method shape users write, over many more
/// calls than a benchmark iteration, and names the types behind it (the runtime's allocation-tick events, one per ~100 KB allocated):
/// <c>dotnet run -c Release --project tests/Mesh.Benchmarks -- alloc</c>.
/// </summary>
internal static class AllocationProbe
{
    /// <summary>The method shapes users write, each called by 64 concurrent callers over one link.</summary>
    private static readonly string[] Shapes =
    [
        "ValueTask<int> method, handler completes at once",
        "Task<int> method, handler completes at once",
        "Task method (no result)",
        "ValueTask<int> method, handler awaits (yields) before answering",
    ];

    public static async Task RunAsync()
    {
        const int Rounds = 300;
        const int Workers = 64;
        const int CallsPerWorker = 100;
        var benchmark = new RoundTripBenchmarks();
        benchmark.Setup();
        try
        {
            Console.WriteLine("| shape | calls | bytes allocated per call (whole process, both nodes) |");
            Console.WriteLine("| --- | ---: | ---: |");
            var ticksByShape = new List<(string Shape, IEnumerable<KeyValuePair<string, long>> Types)>();
            for (var call = 0; call < Shapes.Length; call++)
            {
                var shape = Shapes[call];
                for (var i = 0; i < 50; i++)
                {
                    await RoundAsync(benchmark.Client, call, Workers, CallsPerWorker);
                }

                using var listener = new AllocationTicks();
                var before = GC.GetTotalAllocatedBytes(precise: true);
                for (var i = 0; i < Rounds; i++)
                {
                    await RoundAsync(benchmark.Client, call, Workers, CallsPerWorker);
                }

                var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                var calls = Rounds * Workers * CallsPerWorker;
                Console.WriteLine($"| {shape} | {calls} | {allocated / (double)calls:0.00} |");
                ticksByShape.Add((shape, listener.Types.OrderByDescending(pair => pair.Value).Take(8).ToList()));
            }

            foreach (var (shape, types) in ticksByShape)
            {
                Console.WriteLine($"{shape}: allocation ticks (one per ~100 KB) by type");
                foreach (var (type, ticks) in types)
                {
                    Console.WriteLine($"  {ticks,6}  {type}");
                }
            }
        }
        finally
        {
            benchmark.Cleanup();
        }
    }

    /// <summary>One round: <paramref name="workers"/> callers, each making <paramref name="calls"/> calls in turn.</summary>
    private static async Task RoundAsync(IPingService ping, int call, int workers, int calls)
    {
        var running = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            running[w] = WorkerAsync(ping, call, calls);
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    private static async Task WorkerAsync(IPingService ping, int call, int calls)
    {
        await Task.Yield();
        for (var i = 0; i < calls; i++)
        {
            switch (call)
            {
                case 0:
                    await ping.Ping(i).ConfigureAwait(false);
                    break;
                case 1:
                    await ping.PingTask(i).ConfigureAwait(false);
                    break;
                case 2:
                    await ping.Touch(i).ConfigureAwait(false);
                    break;
                default:
                    await ping.PingAfterYield(i).ConfigureAwait(false);
                    break;
            }
        }
    }

    private sealed class AllocationTicks : EventListener
    {
        public ConcurrentDictionary<string, long> Types { get; } = new();

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && eventData.PayloadNames is { } names)
            {
                var type = eventData.Payload![names.IndexOf("TypeName")]?.ToString() ?? "?";
                Types.AddOrUpdate(type, 1, (_, count) => count + 1);
            }
        }
    }
}
