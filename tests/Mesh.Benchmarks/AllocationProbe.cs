using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Mesh.Benchmarks;

/// <summary>
/// Counts what the concurrent round trip allocates, per call, over many more calls than a benchmark iteration,
/// and names the types behind it (the runtime's allocation-tick events, one per ~100 KB allocated):
/// <c>dotnet run -c Release --project tests/Mesh.Benchmarks -- alloc</c>.
/// </summary>
internal static class AllocationProbe
{
    public static async Task RunAsync()
    {
        const int Rounds = 300;
        var benchmark = new RoundTripBenchmarks();
        benchmark.Setup();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                await benchmark.Concurrent64();
            }

            using var listener = new AllocationTicks();
            var before = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < Rounds; i++)
            {
                await benchmark.Concurrent64();
            }

            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            var calls = Rounds * RoundTripBenchmarks.CallsPerConcurrentInvoke;
            Console.WriteLine($"{calls} calls, {allocated} bytes allocated in the process, {allocated / (double)calls:0.00} bytes per call");
            foreach (var (type, ticks) in listener.Types.OrderByDescending(pair => pair.Value).Take(15))
            {
                Console.WriteLine($"  {ticks,6} allocation ticks  {type}");
            }
        }
        finally
        {
            benchmark.Cleanup();
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
