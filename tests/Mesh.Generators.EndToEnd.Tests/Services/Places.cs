namespace Mesh.Generators.EndToEnd.Tests.Services;

/// <summary>Holds a service interface nested in a class.</summary>
public static class Outer
{
    [BalancedService]
    public interface INested
    {
        Task<string> Where();
    }
}

internal sealed class Nested : Outer.INested
{
    public Task<string> Where() => Task.FromResult("nested");
}

/// <summary>An internal service interface.</summary>
[BalancedService]
internal interface IInternalCounter
{
    Task<int> Increment(int by);
}

internal sealed class InternalCounter : IInternalCounter
{
    private int _value;

    public Task<int> Increment(int by) => Task.FromResult(Interlocked.Add(ref _value, by));
}

/// <summary>A service with an explicit wire name.</summary>
[BalancedService(Name = "e2e-named")]
public interface INamedService
{
    Task<string> Hello();
}

internal sealed class NamedService : INamedService
{
    public Task<string> Hello() => Task.FromResult("named");
}
