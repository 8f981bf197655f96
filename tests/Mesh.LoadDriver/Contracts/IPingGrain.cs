using Orleans;
using Orleans.Concurrency;

namespace Mesh.LoadDriver.Contracts;

/// <summary>The Orleans form of the driver's contract; every caller uses the same grain.</summary>
public interface IPingGrain : IGrainWithIntegerKey
{
    ValueTask<int> Ping(int value);
}

/// <summary>Answers at once; reentrant, so the callers' calls interleave on its one activation.</summary>
[Reentrant]
public sealed class PingGrain : Grain, IPingGrain
{
    public ValueTask<int> Ping(int value) => ValueTask.FromResult(value + 1);
}
