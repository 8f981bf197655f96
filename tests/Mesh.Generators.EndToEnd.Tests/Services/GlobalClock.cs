#pragma warning disable CA1050 // Declared in the global namespace on purpose.

/// <summary>A service interface in the global namespace.</summary>
[Mesh.BalancedService]
public interface IGlobalClock
{
    Task<long> Ticks(long offset);
}

internal sealed class GlobalClock : IGlobalClock
{
    public Task<long> Ticks(long offset) => Task.FromResult(1_000 + offset);
}
