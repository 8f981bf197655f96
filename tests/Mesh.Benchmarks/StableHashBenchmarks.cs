using BenchmarkDotNet.Attributes;

namespace Mesh.Benchmarks;

/// <summary>Cost of deriving a wire id from a name (done once per service, never per call).</summary>
[MemoryDiagnoser]
public class StableHashBenchmarks
{
    [Benchmark]
    public uint ServiceName() => StableHash.Compute("Shop.Inventory.IInventoryService");
}
