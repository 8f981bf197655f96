namespace Mesh.LoadDriver.Contracts;

/// <summary>The Mesh form of the driver's contract (its wire name is fixed so tests can call it).</summary>
[BalancedService(Name = "loaddriver.ping")]
public interface IPingService
{
    ValueTask<int> Ping(int value);
}

/// <summary>Answers at once: the driver measures the call path, not the work.</summary>
public sealed class PingService : IPingService
{
    public ValueTask<int> Ping(int value) => ValueTask.FromResult(value + 1);
}
