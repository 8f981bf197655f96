namespace Mesh.Benchmarks;

/// <summary>The contract every benchmark calls: one int in, one int out.</summary>
[BalancedService]
public interface IPingService
{
    ValueTask<int> Ping(int value);
}

/// <summary>Answers at once, so the benchmarks measure the call path, not the work.</summary>
internal sealed class PingService : IPingService
{
    public ValueTask<int> Ping(int value) => ValueTask.FromResult(value + 1);
}
